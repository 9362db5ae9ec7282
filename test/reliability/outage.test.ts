/**
 * The server of one database stops in the middle of a run, at an exact point (a pause point):
 * a model's database, or `default`, which holds run history. The run must end with exit code 1
 * and one line naming the database and how to finish the run, its report (where it could be
 * stored) must agree with what is stored, no order may be orphaned, and `--resume` once the
 * server is back must finish the run exactly.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/deployments.js';
import { startPaused } from '../support/pause.js';
import { clusterUnavailable, createCluster, type PgCluster } from '../support/pgCluster.js';
import { skipWithNotice } from '../support/prerequisites.js';
import { runCliAsync, urlFlags } from '../support/processes.js';
import { modelSnapshot, normalizeRow, orphanOrders, type RawRow, withRaw } from '../support/rawdb.js';

const noCluster = skipWithNotice(
  'server outage suite (a dedicated PostgreSQL cluster)',
  clusterUnavailable(),
);

const CANARY = 'Xq7@#%canary';
const LEAK = /Xq7|canary|%40%23%25/i;

// Eight batches of orders: the server is stopped after the first commits, with most still to come.
const DATASET = [
  '--dataset',
  'generated',
  '--users',
  '4000',
  '--products',
  '2000',
  '--orders',
  '80000',
  '--seed',
  '11',
];
const ARGS = [...DATASET, '--threads', '8', '--no-progress', '--json'];

function sqliteUrls(dir: string): Record<string, string> {
  return Object.fromEntries(
    ['default', 'users', 'products', 'orders'].map((a) => [a, `sqlite:${join(dir, `${a}.db`)}`]),
  );
}

/** Model rows with every value as text, so SQLite and PostgreSQL rows compare. */
async function rows(urls: Record<string, string>): Promise<Record<string, string[]>> {
  const snap = await modelSnapshot(urls);
  return Object.fromEntries(
    Object.entries(snap).map(([t, rs]) => [t, rs.map((r) => JSON.stringify(normalizeRow(numeric(r))))]),
  );
}

function numeric(r: RawRow): RawRow {
  // Only orders live on PostgreSQL here; all their columns are integers.
  return 'quantity' in r ? Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)])) : r;
}

describe.skipIf(noCluster)('server outage in the middle of a run', () => {
  let cluster: PgCluster;
  const dirs: string[] = [];
  let reference: { rows: Record<string, string[]>; totals: unknown };
  let databases = 0;

  beforeAll(async () => {
    cluster = await createCluster();
    const dir = tempDir('distdb-outage-ref-');
    dirs.push(dir);
    const urls = sqliteUrls(dir);
    const r = await runCliAsync(['simulate', ...ARGS, ...urlFlags(urls)], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    reference = { rows: await rows(urls), totals: JSON.parse(r.stdout).totals };
  }, 120_000);

  afterAll(() => {
    cluster?.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A new database on the cluster, its URL carrying a canary password (trust auth ignores it). */
  async function clusterDatabase(): Promise<string> {
    const name = `dd_outage_${++databases}`;
    const admin = new pg.Client({ connectionString: `${cluster.adminUrl}/postgres` });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    return `postgres://postgres:${encodeURIComponent(CANARY)}@127.0.0.1:${cluster.port}/${name}`;
  }

  /** Runs until `at`, stops the server of `alias` there, and lets the run go on into the outage. */
  async function runIntoOutage(alias: string, at: string) {
    const dir = tempDir('distdb-outage-');
    dirs.push(dir);
    const urls: Record<string, string> = { ...sqliteUrls(dir), [alias]: await clusterDatabase() };
    const paused = startPaused(['simulate', ...ARGS, ...urlFlags(urls)], { cwd: dir, at });
    await paused.paused();
    cluster.stopImmediately();
    paused.resume();
    const r = await paused.running.done;
    cluster.start();
    return { dir, urls, r };
  }

  /** Exit 1 and one line naming the database and how to finish the run; no secret shown. */
  function expectOneLineNaming(r: { code: number; stderr: string; stdout: string }, alias: string): number {
    expect(r.code, `stderr: ${JSON.stringify(r.stderr)}`).toBe(1);
    const line = r.stderr.trim();
    expect(line.split('\n'), 'one line on stderr').toHaveLength(1);
    expect(line).toMatch(new RegExp(`^distdb: error: database "${alias}" \\(postgres://postgres:\\*\\*\\*@`));
    expect(line, 'a lost server is not a crash').not.toMatch(/crashed|unexpected/);
    expect(r.stdout + r.stderr).not.toMatch(LEAK);
    const hint = /\(run (\d+) stopped: finish it with --resume (\d+)\)$/.exec(line);
    expect(hint, 'the error says how to finish the run').not.toBeNull();
    return Number(hint?.[1]);
  }

  async function expectResumedExactly(dir: string, urls: Record<string, string>, runId: number) {
    const resumed = await runCliAsync(
      ['simulate', '--resume', String(runId), '--no-progress', '--json', ...urlFlags(urls)],
      { cwd: dir },
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout + resumed.stderr).not.toMatch(LEAK);
    expect(JSON.parse(resumed.stdout).totals).toEqual(reference.totals);
    expect(await rows(urls)).toEqual(reference.rows);
  }

  it('the orders server stops after the first batch of orders: report = rows, no orphans, --resume completes', async () => {
    const { dir, urls, r } = await runIntoOutage('orders', 'batch-committed:order:0');
    const runId = expectOneLineNaming(r, 'orders');
    const stored = await withRaw(urls.default as string, (db) =>
      db.query('SELECT id, status, report FROM distdb_runs'),
    );
    expect(stored).toHaveLength(1);
    expect(Number(stored[0]?.id)).toBe(runId);
    expect(stored[0]?.status, 'the run is recorded as failed').toBe('failed');
    const snap = await modelSnapshot(urls);
    expect(orphanOrders(snap)).toEqual([]);
    const report = JSON.parse(String(stored[0]?.report)) as {
      databases: Record<string, { succeeded: number }>;
    };
    // --json printed the same partial report on stdout, and its counts are what the databases hold.
    expect(JSON.parse(r.stdout).totals).toEqual(JSON.parse(String(stored[0]?.report)).totals);
    expect({
      users: snap.users?.length,
      products: snap.products?.length,
      orders: snap.orders?.length,
    }).toEqual({
      users: report.databases.users?.succeeded,
      products: report.databases.products?.succeeded,
      orders: report.databases.orders?.succeeded,
    });
    await expectResumedExactly(dir, urls, runId);
  }, 180_000);

  it.each([
    ['while failures are being stored during the run', 'batch-committed:user:0'],
    ['when the finished run is being recorded', 'finishing'],
  ])(
    'the run-history server stops %s: one line naming "default", --resume completes',
    async (_, at) => {
      const { dir, urls, r } = await runIntoOutage('default', at);
      const runId = expectOneLineNaming(r, 'default');
      expect(orphanOrders(await modelSnapshot(urls))).toEqual([]);
      await expectResumedExactly(dir, urls, runId);
    },
    180_000,
  );
});
