/**
 * Issue item 1: kill -9 `distdb simulate` at random moments, then check what it left behind and
 * that `--resume` finishes the run into exactly the databases an uninterrupted run gives.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDistdb, RunStore } from 'distdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALIASES,
  type Deployment,
  serverDatabases,
  sqliteDeployment,
  tempDir,
} from '../support/deployments.js';
import { runCliAsync, sleep, startCli, urlFlags } from '../support/processes.js';
import { modelSnapshot, normalizeRow, orphanOrders, type RawRow, withRaw } from '../support/rawdb.js';
import { SERVERS, serverAvailable } from '../support/servers.js';

const pgServer = SERVERS.find((s) => s.backend === 'postgres');
if (!pgServer) throw new Error('no postgres server entry');

interface BackendPlan {
  name: 'sqlite' | 'postgres';
  available: boolean;
  trials: number;
  records: number;
  create(): Promise<Deployment>;
}

const plans: BackendPlan[] = [
  { name: 'sqlite', available: true, trials: 20, records: 20_000, create: async () => sqliteDeployment() },
  {
    name: 'postgres',
    available: serverAvailable(pgServer),
    trials: 20,
    records: 10_000,
    create: async () => {
      const dbs = await serverDatabases(pgServer, ALIASES);
      const { drop, ...urls } = dbs;
      return { name: 'postgres', urls, dir: tempDir('distdb-crash-pg-'), cleanup: drop };
    },
  },
];

const MODELS = [
  { name: 'user', alias: 'users', table: 'users' },
  { name: 'product', alias: 'products', table: 'products' },
  { name: 'order', alias: 'orders', table: 'orders' },
] as const;

function simulateArgs(plan: BackendPlan, d: Deployment): string[] {
  return [
    'simulate',
    '--dataset',
    'generated',
    '--records',
    String(plan.records),
    '--seed',
    '7',
    '--threads',
    '4',
    '--no-progress',
    '--json',
    ...urlFlags(d.urls),
  ];
}

type Snapshot = Record<string, string[]>;

async function snapshot(d: Deployment): Promise<Snapshot> {
  const raw = await modelSnapshot(d.urls);
  return Object.fromEntries(
    Object.entries(raw).map(([t, rows]) => [t, rows.map((r) => JSON.stringify(normalizeRow(r)))]),
  );
}

interface JournalBatch {
  seq: number;
  firstIndex: number;
  attempted: number;
}

/** Committed batches of `runId` for a model, read from the journal next to the model's rows. */
async function journal(d: Deployment, alias: string, model: string, runId: number): Promise<JournalBatch[]> {
  return withRaw(d.urls[alias] as string, async (db) => {
    if (!(await db.tables()).includes('distdb_batches')) return [];
    const rows = await db.query(
      'SELECT seq, first_index, attempted FROM distdb_batches WHERE run_id = ? AND model = ? ORDER BY seq',
      [runId, model],
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
      firstIndex: Number(r.first_index),
      attempted: Number(r.attempted),
    }));
  });
}

async function runRows(d: Deployment): Promise<RawRow[]> {
  return withRaw(d.urls.default as string, async (db) =>
    (await db.tables()).includes('distdb_runs')
      ? db.query('SELECT id, status, owner FROM distdb_runs ORDER BY id')
      : [],
  );
}

/** What `distdb runs` would show for a run: status with owner liveness applied. */
async function effectiveStatus(d: Deployment, runId: number): Promise<string | undefined> {
  const db = await openDistdb({ urls: d.urls, env: {}, cwd: d.dir });
  try {
    const store = new RunStore(await db.connection('default'));
    return (await store.list(1000)).find((r) => r.id === runId)?.status;
  } finally {
    await db.close();
  }
}

function integrity(d: Deployment): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(d.dir).filter((n) => n.endsWith('.db'))) {
    const db = new Database(join(d.dir, f), { fileMustExist: true });
    try {
      out[f] = (db.pragma('integrity_check') as { integrity_check: string }[])
        .map((r) => r.integrity_check)
        .join(',');
    } finally {
      db.close();
    }
  }
  return out;
}

/** Same keys and values, whatever the insertion order. */
function sorted(o: unknown): [string, unknown][] {
  return Object.entries(o as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
}

function rowsOfBatches(reference: string[], batches: JournalBatch[]): string[] {
  // A record that lands keeps its own id: record index i has id i + 1.
  const inBatch = (id: number) =>
    batches.some((b) => id - 1 >= b.firstIndex && id - 1 < b.firstIndex + b.attempted);
  return reference.filter((r) => inBatch(Number((JSON.parse(r) as { id: string }).id)));
}

describe.each(plans)('kill -9 during simulate on $name', (plan) => {
  let reference: Snapshot;
  let referenceReport: { totals: unknown; failuresByCode: unknown };
  let referenceMs = 0;
  const outcomes: Record<string, number> = { before: 0, interrupted: 0, completed: 0 };

  beforeAll(async () => {
    if (!plan.available) return;
    const d = await plan.create();
    try {
      const started = Date.now();
      const r = await runCliAsync(simulateArgs(plan, d), { cwd: d.dir });
      referenceMs = Date.now() - started;
      expect(r.code, r.stderr).toBe(0);
      referenceReport = JSON.parse(r.stdout);
      reference = await snapshot(d);
      expect(reference.users?.length).toBeGreaterThan(0);
    } finally {
      await d.cleanup();
    }
  });

  afterAll(() => {
    if (plan.available)
      console.log(
        `[crash ${plan.name}] reference run ${referenceMs} ms; trial outcomes ${JSON.stringify(outcomes)}`,
      );
  });

  it.skipIf(!plan.available)(
    `${plan.trials} random kills: consistent databases, run interrupted, --resume equals an uninterrupted run`,
    async () => {
      const problems: string[] = [];
      // Kills are spread over the whole run, from process start-up to its end. The window starts
      // at the reference run's duration and follows the machine's load: it shrinks when a kill
      // came too late (run completed) and grows when it came before the run was recorded.
      let window = referenceMs * 1.05;
      for (let trial = 0; trial < plan.trials; trial++) {
        const d = await plan.create();
        const delay = Math.round(100 + Math.random() * Math.max(200, window - 100));
        const tag = `${plan.name} trial ${trial} (kill after ${delay} ms)`;
        try {
          const running = startCli(simulateArgs(plan, d), { cwd: d.dir });
          await sleep(delay);
          running.child.kill('SIGKILL');
          const killed = await running.done; // reaped: the owner pid is really gone

          if (plan.name === 'sqlite') {
            for (const [file, result] of Object.entries(integrity(d)))
              if (result !== 'ok') problems.push(`${tag}: ${file} integrity_check: ${result}`);
          }
          const after = await snapshot(d);
          const orphans = orphanOrders(await modelSnapshot(d.urls));
          if (orphans.length > 0)
            problems.push(`${tag}: ${orphans.length} orders reference a missing user or product`);

          const runs = await runRows(d);
          if (runs.length === 0) {
            outcomes.before = (outcomes.before ?? 0) + 1;
            window = Math.min(window * 1.15, referenceMs * 3);
            for (const m of MODELS)
              if ((after[m.table]?.length ?? 0) > 0)
                problems.push(`${tag}: killed before the run was recorded, yet ${m.table} holds rows`);
            continue;
          }
          expect(runs).toHaveLength(1);
          const runId = Number(runs[0]?.id);

          // Exactly the rows of the committed batches, each batch journaled once, in order.
          for (const m of MODELS) {
            const batches = await journal(d, m.alias, m.name, runId);
            if (batches.some((b, i) => b.seq !== i))
              problems.push(
                `${tag}: ${m.table} journal is not a prefix: ${batches.map((b) => b.seq).join(',')}`,
              );
            const expected = rowsOfBatches(reference[m.table] ?? [], batches);
            const got = after[m.table] ?? [];
            if (JSON.stringify(got) !== JSON.stringify(expected)) {
              problems.push(
                `${tag}: ${m.table} holds ${got.length} rows, its ${batches.length} journaled batches account for ${expected.length}`,
              );
            }
          }

          const status = await effectiveStatus(d, runId);
          if (status === 'completed') {
            outcomes.completed = (outcomes.completed ?? 0) + 1;
            window = Math.max(window * 0.8, 300);
            if (JSON.stringify(after) !== JSON.stringify(reference))
              problems.push(`${tag}: run completed but databases differ from the reference run`);
            continue;
          }
          outcomes.interrupted = (outcomes.interrupted ?? 0) + 1;
          if (status !== 'interrupted')
            problems.push(
              `${tag}: killed run reads as "${status}", not "interrupted" (exit signal ${killed.signal})`,
            );

          const resumed = await runCliAsync(
            ['simulate', '--resume', String(runId), '--no-progress', '--json', ...urlFlags(d.urls)],
            { cwd: d.dir },
          );
          if (resumed.code !== 0) {
            problems.push(`${tag}: --resume ${runId} exited ${resumed.code}: ${resumed.stderr.trim()}`);
            continue;
          }
          const report = JSON.parse(resumed.stdout) as { totals: unknown; failuresByCode: unknown };
          if (JSON.stringify(report.totals) !== JSON.stringify(referenceReport.totals))
            problems.push(
              `${tag}: resumed totals ${JSON.stringify(report.totals)} != reference ${JSON.stringify(referenceReport.totals)}`,
            );
          if (
            JSON.stringify(sorted(report.failuresByCode)) !==
            JSON.stringify(sorted(referenceReport.failuresByCode))
          )
            problems.push(`${tag}: resumed failuresByCode differ from the reference run`);
          const final = await snapshot(d);
          for (const m of MODELS) {
            const got = final[m.table] ?? [];
            const want = reference[m.table] ?? [];
            if (JSON.stringify(got) !== JSON.stringify(want))
              problems.push(
                `${tag}: after --resume ${m.table} has ${got.length} rows, reference ${want.length}`,
              );
          }
          const finalStatus = await effectiveStatus(d, runId);
          if (finalStatus !== 'completed')
            problems.push(`${tag}: after --resume the run reads as "${finalStatus}"`);
        } finally {
          await d.cleanup();
        }
      }
      expect(problems).toEqual([]);
      // The interesting case must actually have been exercised.
      expect(outcomes.interrupted).toBeGreaterThanOrEqual(3);
    },
    600_000,
  );
});
