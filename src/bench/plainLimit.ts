import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { encodeValue } from '../db/dialects/shared/values.js';
import { WAL_CHECKPOINT_PAGES } from '../db/dialects/sqlite/connection.js';
import { Generator } from '../examples/shop/generator.js';
import { shopSchema } from '../examples/shop/schema.js';
import type { AnyModel } from '../models/model.js';
import { validateRecord } from '../models/validate.js';
import type { GeneratorSpec } from '../simulation/datasets/generator.js';
import { MAX_BATCH } from '../simulation/plan.js';
import type { RawResult } from './rawBaseline.js';

/**
 * The plain-driver limit: the rows that land, computed before the clock starts, stored the
 * fastest plain way with the same driver into the same migrated tables (same CHECKs, same
 * unique indexes, same durability): one worker per table, all tables at once, 10,000 rows per
 * transaction. SQLite: one prepared INSERT per row. PostgreSQL: multi-row INSERTs of 1,000
 * rows (`insert`), or COPY FROM STDIN (`copy`). Its records/s counts every record of the
 * dataset, as distdb's does: it is the time to reach the same stored rows.
 */
export type LimitMethod = 'insert' | 'copy';

interface LimitJob {
  readonly backend: 'sqlite' | 'postgres';
  readonly method: LimitMethod;
  readonly model: string;
  readonly target: string;
  readonly spec: GeneratorSpec;
}

const ROWS_PER_STATEMENT = 1000;

function modelNamed(name: string): AnyModel {
  const model = shopSchema.models.find((m) => m.name === name);
  if (!model) throw new Error(`no model ${name}`);
  return model;
}

/** The landing records' rows as statement parameters, column by column of the table. */
function landingRows(job: LimitJob, model: AnyModel): unknown[][] {
  const columns = model.table.columns;
  const total = job.spec.counts[model.datasetKey] ?? 0;
  const out: unknown[][] = [];
  for (const { record, expected } of new Generator(job.spec).range(model, 0, total)) {
    if (expected !== 'ok') continue;
    const row = validateRecord(model, record).row;
    out.push(
      columns.map((c) => (job.backend === 'postgres' ? encodeValue(c, row[c.name]) : (row[c.name] ?? null))),
    );
  }
  return out;
}

function storeSqlite(job: LimitJob, model: AnyModel, rows: unknown[][]): void {
  const db = new Database(job.target);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
  const cols = model.table.columns.map((c) => `"${c.name}"`);
  // One row per statement: with the three tables written at once, this measured faster than
  // statements of ten rows (whose parameter arrays must be built).
  const stmt = db.prepare(
    `INSERT INTO "${model.table.name}" (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
  );
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) stmt.run(rows[i] as unknown[]);
  });
  for (let from = 0; from < rows.length; from += MAX_BATCH)
    batch(from, Math.min(rows.length, from + MAX_BATCH));
  db.close();
}

async function storePostgres(job: LimitJob, model: AnyModel, rows: unknown[][]): Promise<void> {
  const client = new pg.Client({ connectionString: job.target });
  await client.connect();
  try {
    for (let from = 0; from < rows.length; from += MAX_BATCH) {
      const batch = rows.slice(from, from + MAX_BATCH);
      await client.query('BEGIN');
      if (job.method === 'copy') await copyRows(client, model, batch);
      else await insertRows(client, model, batch);
      await client.query('COMMIT');
    }
  } finally {
    await client.end();
  }
}

async function insertRows(client: pg.Client, model: AnyModel, rows: unknown[][]): Promise<void> {
  const cols = model.table.columns.map((c) => `"${c.name}"`);
  for (let from = 0; from < rows.length; from += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(from, from + ROWS_PER_STATEMENT);
    const tuples = chunk.map((_, r) => `(${cols.map((_, c) => `$${r * cols.length + c + 1}`).join(', ')})`);
    await client.query({
      // Named, so the server parses and plans each statement shape once.
      name: `limit_${model.table.name}_${chunk.length}`,
      text: `INSERT INTO "${model.table.name}" (${cols.join(', ')}) VALUES ${tuples.join(', ')}`,
      values: chunk.flat(),
    });
  }
}

/** COPY's text format: tab-separated, `\N` for NULL, backslash escapes. */
function copyField(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  return String(v).replace(/[\\\t\n\r]/g, (ch) =>
    ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : '\\\\',
  );
}

async function copyRows(client: pg.Client, model: AnyModel, rows: unknown[][]): Promise<void> {
  const cols = model.table.columns.map((c) => `"${c.name}"`);
  const stream = client.query(copyFrom(`COPY "${model.table.name}" (${cols.join(', ')}) FROM STDIN`));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  stream.end(rows.map((r) => `${r.map(copyField).join('\t')}\n`).join(''));
  await done;
}

export type LimitMessage = { readonly type: 'ready' } | { readonly type: 'stored'; readonly rows: number };

/** Runs every table's worker at once; the clock runs from the go signal to the last commit. */
export async function plainLimit(
  backend: LimitJob['backend'],
  method: LimitMethod,
  targets: Record<string, string>,
  spec: GeneratorSpec,
): Promise<RawResult> {
  const workers = shopSchema.models.map((model) => {
    const job: LimitJob = {
      backend,
      method,
      model: model.name,
      target: targets[model.datasetKey] ?? '',
      spec,
    };
    return new Worker(new URL(import.meta.url), { workerData: job });
  });
  const next = (w: Worker) =>
    new Promise<LimitMessage>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  await Promise.all(workers.map(next));
  const start = performance.now();
  const stored = Promise.all(workers.map(next));
  for (const w of workers) w.postMessage('go');
  const results = await stored;
  const ms = performance.now() - start;
  await Promise.all(workers.map((w) => w.terminate()));
  const inserted = results.reduce((n, r) => n + (r.type === 'stored' ? r.rows : 0), 0);
  const records = Object.values(spec.counts).reduce((a, b) => a + b, 0);
  return { records, inserted, ms, recordsPerSecond: Math.round((records / ms) * 1000) };
}

if (!isMainThread && parentPort) {
  const job = workerData as LimitJob;
  const port = parentPort;
  const model = modelNamed(job.model);
  const rows = landingRows(job, model);
  port.once('message', () => {
    const store =
      job.backend === 'sqlite'
        ? Promise.resolve(storeSqlite(job, model, rows))
        : storePostgres(job, model, rows);
    store.then(() => port.postMessage({ type: 'stored', rows: rows.length } satisfies LimitMessage));
  });
  port.postMessage({ type: 'ready' } satisfies LimitMessage);
}
