import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import pg from 'pg';
import { WAL_CHECKPOINT_PAGES } from '../db/dialects/sqlite/connection.js';
import { Generator } from '../examples/shop/generator.js';
import type { GeneratorSpec } from '../simulation/datasets/generator.js';
import { MAX_BATCH } from '../simulation/plan.js';

/**
 * The raw-driver baseline: the same generated rows, inserted with plain prepared statements
 * into the same (migrated) tables with the same durability, batched, one worker per database,
 * no validation and no per-record outcome. It is what the hardware and driver allow.
 */
interface Job {
  readonly backend: 'sqlite' | 'postgres';
  readonly model: 'users' | 'products' | 'orders';
  readonly target: string;
  readonly spec: GeneratorSpec;
  readonly batch: number;
}

const COLUMNS = {
  users: ['id', 'name', 'email'],
  products: ['id', 'name', 'price'],
  orders: ['id', 'user_id', 'product_id', 'quantity'],
};

// Naive conversion, as a hand-written loader would do it: no validation at all.
function toValues(model: Job['model'], record: Record<string, unknown>, cents: boolean): unknown[] {
  return COLUMNS[model].map((c) => {
    const v = record[c];
    if (c !== 'price') return v;
    return cents ? Math.round(Number(v) * 100) : String(v);
  });
}

function passesChecks(model: Job['model'], v: unknown[]): boolean {
  const positive = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x > 0;
  if (!positive(v[0])) return false;
  if (model === 'orders') {
    const q = v[3];
    return (
      positive(v[1]) && positive(v[2]) && typeof q === 'number' && Number.isInteger(q) && q >= 1 && q <= 1000
    );
  }
  const name = v[1];
  if (typeof name !== 'string' || name.trim().length < 2 || name.trim().length > 100) return false;
  if (model === 'users') return typeof v[2] === 'string';
  const price = Number(v[2]);
  return /^-?\d+(\.\d{1,2})?$/.test(String(v[2])) && price >= 0.01 && price <= 999999.99;
}

function runSqlite(job: Job): number {
  const db = new Database(job.target);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  // The same checkpoint interval as distdb's connections, so the two are compared like for like.
  db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
  const cols = COLUMNS[job.model];
  const stmt = db.prepare(
    `INSERT INTO ${job.model} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ON CONFLICT DO NOTHING`,
  );
  const gen = new Generator(job.spec);
  const total = job.spec.counts[job.model] ?? 0;
  let inserted = 0;
  for (let start = 0; start < total; start += job.batch) {
    const rows = gen.rangeOf(job.model, start, Math.min(job.batch, total - start));
    db.exec('BEGIN IMMEDIATE');
    for (const { record } of rows) {
      try {
        inserted += stmt.run(toValues(job.model, record as Record<string, unknown>, true)).changes;
      } catch {
        // a CHECK violation: skipped, as a loader without validation would
      }
    }
    db.exec('COMMIT');
  }
  db.close();
  return inserted;
}

async function runPostgres(job: Job): Promise<number> {
  const client = new pg.Client({ connectionString: job.target });
  await client.connect();
  const cols = COLUMNS[job.model];
  const gen = new Generator(job.spec);
  const total = job.spec.counts[job.model] ?? 0;
  let inserted = 0;
  const types = {
    users: ['bigint', 'text', 'text'],
    products: ['bigint', 'text', 'numeric'],
    orders: ['bigint', 'bigint', 'bigint', 'integer'],
  }[job.model];
  const sql = `INSERT INTO ${job.model} (${cols.join(', ')}) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) ON CONFLICT DO NOTHING`;
  for (let start = 0; start < total; start += job.batch) {
    const rows = gen.rangeOf(job.model, start, Math.min(job.batch, total - start));
    // Rows that break a CHECK are left out up front (the cheapest test that keeps one bad row
    // from aborting the whole statement); duplicates are left to ON CONFLICT.
    const values = rows
      .map((r) => toValues(job.model, r.record as Record<string, unknown>, false))
      .filter((v) => passesChecks(job.model, v));
    const arrays = cols.map((_, c) => values.map((v) => v[c]));
    try {
      await client.query('BEGIN');
      const r = await client.query(sql, arrays);
      await client.query('COMMIT');
      inserted += r.rowCount ?? 0;
    } catch {
      await client.query('ROLLBACK');
      for (const v of values) {
        try {
          const r = await client.query(
            `INSERT INTO ${job.model} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) ON CONFLICT DO NOTHING`,
            v,
          );
          inserted += r.rowCount ?? 0;
        } catch {
          // CHECK violation
        }
      }
    }
  }
  await client.end();
  return inserted;
}

export interface RawResult {
  readonly records: number;
  readonly inserted: number;
  readonly ms: number;
  readonly recordsPerSecond: number;
}

/**
 * How the raw workers are scheduled: `together` runs the three models at once (the baseline the
 * ratio is taken against); `phased` runs users and products, then orders, the order in which
 * distdb must decide them for its reference checks to be exact. `phased` shows how much of the
 * gap is that ordering rather than distdb's own work.
 */
export type RawOrder = 'together' | 'phased';

const PHASES: Record<RawOrder, Job['model'][][]> = {
  together: [['users', 'products', 'orders']],
  phased: [['users', 'products'], ['orders']],
};

function runWorker(job: Job): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: job });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

/** Runs the models one worker each, in the given order, and times the whole. */
export async function rawBaseline(
  backend: Job['backend'],
  targets: Record<Job['model'], string>,
  spec: GeneratorSpec,
  order: RawOrder = 'together',
  batch = MAX_BATCH,
): Promise<RawResult> {
  const start = performance.now();
  let inserted = 0;
  for (const models of PHASES[order]) {
    const counts = await Promise.all(
      models.map((model) => runWorker({ backend, model, target: targets[model], spec, batch })),
    );
    inserted += counts.reduce((a, b) => a + b, 0);
  }
  const ms = performance.now() - start;
  const records = Object.values(spec.counts).reduce((a, b) => a + b, 0);
  return { records, inserted, ms, recordsPerSecond: Math.round((records / ms) * 1000) };
}

if (!isMainThread && parentPort) {
  const job = workerData as Job;
  const port = parentPort;
  Promise.resolve(job.backend === 'sqlite' ? runSqlite(job) : runPostgres(job)).then((n) =>
    port.postMessage(n),
  );
}
