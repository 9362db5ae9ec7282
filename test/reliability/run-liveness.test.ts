/**
 * A run marked `running` in run history is alive while its process holds the run's lock in the
 * `default` database, a lock the operating system or the database server releases when that
 * process dies (kill -9 included). Owner host and pid only name the process: a run of another
 * host and a pid some unrelated process has taken since are told apart by the lock.
 */
import { readdirSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { backendCases, type Deployment } from '../support/deployments.js';
import { killAt, type PausedCli, startPaused } from '../support/pause.js';
import { runCliAsync, urlFlags } from '../support/processes.js';
import { withRaw } from '../support/rawdb.js';

const AT = 'run-recorded';

function newRunArgs(d: Deployment): string[] {
  return ['simulate', '--reset', '--yes', '--no-progress', '--json', ...urlFlags(d.urls)];
}

/** Status of every run as `distdb runs --json` shows it, from a process of its own. */
function statuses(d: Deployment): Record<number, string> {
  const r = runCli(['runs', '--json', ...urlFlags(d.urls)], { cwd: d.dir });
  expect(r.code, r.stderr).toBe(0);
  const runs = JSON.parse(r.stdout) as { id: number; status: string }[];
  return Object.fromEntries(runs.map((x) => [x.id, x.status]));
}

async function latestRun(d: Deployment): Promise<number> {
  const rows = await withRaw(d.urls.default as string, (db) =>
    db.query('SELECT MAX(id) AS n FROM distdb_runs'),
  );
  return Number(rows[0]?.n);
}

async function setOwner(d: Deployment, id: number, owner: string): Promise<void> {
  await withRaw(d.urls.default as string, (db) =>
    db.query('UPDATE distdb_runs SET owner = ? WHERE id = ?', [owner, id]),
  );
}

function resume(d: Deployment, id: number) {
  return runCliAsync(['simulate', '--resume', String(id), '--no-progress', '--json', ...urlFlags(d.urls)], {
    cwd: d.dir,
  });
}

/** Lock files next to the SQLite `default` database. */
function lockFiles(d: Deployment): string[] {
  return readdirSync(d.dir).filter((f) => f.startsWith('default.db.') && f.endsWith('.lock'));
}

async function pausedRun(d: Deployment): Promise<{ paused: PausedCli; id: number }> {
  const paused = startPaused(newRunArgs(d), { cwd: d.dir, at: AT });
  await paused.paused();
  return { paused, id: await latestRun(d) };
}

async function killedRun(d: Deployment): Promise<number> {
  await killAt(newRunArgs(d), { cwd: d.dir, at: AT });
  return latestRun(d);
}

async function kill(paused: PausedCli): Promise<void> {
  paused.running.child.kill('SIGKILL');
  await paused.running.done;
  paused.resume();
}

/** Ends every other session on the `default` database: the run's lock session among them. */
async function dropDefaultSessions(d: Deployment): Promise<void> {
  const url = d.urls.default as string;
  if (url.startsWith('postgres')) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    await c.end();
    return;
  }
  const c = await mysql.createConnection(url);
  const [rows] = await c.query(
    'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()',
  );
  for (const { id } of rows as { id: number }[]) await c.query(`KILL ${Number(id)}`);
  await c.end();
}

describe.each(backendCases())('run liveness with $name as default', (backend) => {
  let d: Deployment;
  beforeAll(async () => {
    if (backend.available) d = await backend.create();
  });
  afterAll(async () => {
    await d?.cleanup();
  });

  it.skipIf(!backend.available)(
    'a paused run reads running from another process and --resume of it is refused; after kill -9 it reads interrupted and --resume finishes it',
    async () => {
      const { paused, id } = await pausedRun(d);
      try {
        expect(statuses(d)[id]).toBe('running');
        if (backend.name === 'sqlite') {
          const [file] = lockFiles(d);
          expect(file, 'the run holds a lock file').toBeDefined();
          expect(statSync(join(d.dir, file as string)).mode & 0o777).toBe(0o600);
        }
        const refused = await resume(d, id);
        expect(refused.code, refused.stderr).toBe(2);
        expect(refused.stderr).toMatch(new RegExp(`cannot resume run ${id}: it is still running`));
      } finally {
        await kill(paused);
      }
      expect(statuses(d)[id]).toBe('interrupted');
      const resumed = await resume(d, id);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(statuses(d)[id]).toBe('completed');
      if (backend.name === 'sqlite') expect(lockFiles(d)).toEqual([]);
    },
  );

  it.skipIf(!backend.available)(
    'a running row owned by another host reads interrupted when its lock is free, and --resume takes it over',
    async () => {
      const id = await killedRun(d);
      await setOwner(d, id, 'otherhost:1');
      if (backend.name === 'sqlite') expect(lockFiles(d)).toHaveLength(1);
      expect(statuses(d)[id]).toBe('interrupted');
      // The check found the killed run's lock file stale and removed it.
      if (backend.name === 'sqlite') expect(lockFiles(d)).toEqual([]);
      const resumed = await resume(d, id);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(statuses(d)[id]).toBe('completed');
    },
  );

  it.skipIf(!backend.available)(
    'the same row reads running while its process holds the lock, and --resume is refused',
    async () => {
      const { paused, id } = await pausedRun(d);
      try {
        await setOwner(d, id, 'otherhost:1');
        expect(statuses(d)[id]).toBe('running');
        const refused = await resume(d, id);
        expect(refused.code, refused.stderr).toBe(2);
        expect(refused.stderr).toMatch(/still running \(process otherhost:1\)/);
      } finally {
        await kill(paused);
      }
      expect(statuses(d)[id]).toBe('interrupted');
    },
  );

  it.skipIf(!backend.available)(
    'a killed run whose pid a live unrelated process now has reads interrupted',
    async () => {
      const id = await killedRun(d);
      await setOwner(d, id, `${hostname()}:${process.pid}`);
      expect(statuses(d)[id]).toBe('interrupted');
    },
  );

  it.skipIf(!backend.available || backend.name === 'sqlite')(
    'a run whose lock session is cut off stops with one line naming "default"; --resume finishes it',
    async () => {
      const { paused, id } = await pausedRun(d);
      await dropDefaultSessions(d);
      paused.resume();
      const r = await paused.running.done;
      expect(r.code, r.stderr).toBe(1);
      const line = r.stderr.trim();
      expect(line.split('\n')).toHaveLength(1);
      expect(line).toMatch(
        /^distdb: error: database "default" \(.*\): lost the lock of run \d+ \(the connection holding it closed\)/,
      );
      expect(line).toMatch(new RegExp(`finish it with --resume ${id}\\)$`));
      expect(statuses(d)[id]).not.toBe('running');
      const resumed = await resume(d, id);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(statuses(d)[id]).toBe('completed');
    },
  );
});
