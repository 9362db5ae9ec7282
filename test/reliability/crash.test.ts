/**
 * kill -9 `distdb simulate` at exact points of a run (pause points: see src/util/pausePoint.ts),
 * from just after the run is recorded to just before its end is, inside a batch's transaction
 * and right after its commit; then check what it left behind and that `--resume` finishes the
 * run into exactly the databases an uninterrupted run gives.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDistdb, RunStore } from 'distdb';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ALIASES,
  type Deployment,
  serverDatabases,
  sqliteDeployment,
  tempDir,
} from '../support/deployments.js';
import { killAt } from '../support/pause.js';
import { runCliAsync, urlFlags } from '../support/processes.js';
import { modelSnapshot, normalizeRow, orphanOrders, type RawRow, withRaw } from '../support/rawdb.js';
import { SERVERS, serverAvailable } from '../support/servers.js';

interface BackendPlan {
  name: string;
  available: boolean;
  create(): Promise<Deployment>;
}

const plans: BackendPlan[] = [
  { name: 'sqlite', available: true, create: async () => sqliteDeployment() },
  ...SERVERS.map((server) => ({
    name: server.backend,
    available: serverAvailable(server),
    create: async () => {
      const { drop, ...urls } = await serverDatabases(server, ALIASES);
      return { name: server.backend, urls, dir: tempDir(`distdb-crash-${server.backend}-`), cleanup: drop };
    },
  })),
];

/** 10,000 records on 4 threads: two batches of each model (one per core here, at least). */
const RECORDS = 10_000;

/** Where a run is killed: every stage, inside a transaction and between a commit and its report. */
const KILL_POINTS = [
  'run-recorded',
  'batch-written:user:0',
  'batch-committed:user:0',
  'batch-written:product:1',
  'phase:order',
  'batch-written:order:0',
  'batch-committed:order:0',
  'finishing',
];

const MODELS = [
  { name: 'user', alias: 'users', table: 'users' },
  { name: 'product', alias: 'products', table: 'products' },
  { name: 'order', alias: 'orders', table: 'orders' },
] as const;

function simulateArgs(d: Deployment): string[] {
  return [
    'simulate',
    '--dataset',
    'generated',
    '--records',
    String(RECORDS),
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

  beforeAll(async () => {
    if (!plan.available) return;
    const d = await plan.create();
    try {
      const r = await runCliAsync(simulateArgs(d), { cwd: d.dir });
      expect(r.code, r.stderr).toBe(0);
      referenceReport = JSON.parse(r.stdout);
      reference = await snapshot(d);
      expect(reference.users?.length).toBeGreaterThan(0);
    } finally {
      await d.cleanup();
    }
  });

  it.skipIf(!plan.available).each(KILL_POINTS)(
    'killed at %s: consistent databases, run interrupted, --resume equals an uninterrupted run',
    async (at) => {
      const d = await plan.create();
      try {
        await killAt(simulateArgs(d), { cwd: d.dir, at });
        if (plan.name === 'sqlite') {
          for (const [file, result] of Object.entries(integrity(d)))
            expect([file, result]).toEqual([file, 'ok']);
        }
        const after = await snapshot(d);
        expect(orphanOrders(await modelSnapshot(d.urls))).toEqual([]);
        const runs = await runRows(d);
        expect(runs).toHaveLength(1);
        const runId = Number(runs[0]?.id);

        // Exactly the rows of the committed batches, each batch journaled once, in order.
        for (const m of MODELS) {
          const batches = await journal(d, m.alias, m.name, runId);
          expect(batches.map((b) => b.seq)).toEqual(batches.map((_, i) => i));
          const got = after[m.table] ?? [];
          expect(got).toEqual(rowsOfBatches(reference[m.table] ?? [], batches));
        }
        expect(await effectiveStatus(d, runId)).toBe('interrupted');

        const resumed = await runCliAsync(
          ['simulate', '--resume', String(runId), '--no-progress', '--json', ...urlFlags(d.urls)],
          { cwd: d.dir },
        );
        expect(resumed.code, resumed.stderr).toBe(0);
        const report = JSON.parse(resumed.stdout) as { totals: unknown; failuresByCode: unknown };
        expect(report.totals).toEqual(referenceReport.totals);
        expect(sorted(report.failuresByCode)).toEqual(sorted(referenceReport.failuresByCode));
        expect(await snapshot(d)).toEqual(reference);
        expect(await effectiveStatus(d, runId)).toBe('completed');
      } finally {
        await d.cleanup();
      }
    },
  );
});
