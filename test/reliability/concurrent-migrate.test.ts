/**
 * Issue item 3: three `distdb migrate` processes at once, on each backend: every migration
 * applied and recorded once; each process exits 0, or loses with a clear "already migrating"
 * message and a rerun is a no-op. A migration that fails leaves its database as it was.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLineError, runCli } from '../support/cli.js';
import { ALIASES, backendCases, type Deployment, sqliteDeployment } from '../support/deployments.js';
import { runCliAsync, urlFlags } from '../support/processes.js';
import { type RawDb, withRaw } from '../support/rawdb.js';
import { SERVERS, serverAvailable } from '../support/servers.js';

const MIGRATIONS: Record<string, string[]> = {
  default: ['0001_run_history', '0005_run_keys', '0007_run_failures_by_code'],
  users: ['0002_create_users', '0006_users_case_fold'],
  products: ['0003_create_products'],
  orders: ['0004_create_orders'],
};

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function track(d: Promise<Deployment>): Promise<Deployment> {
  const dep = await d;
  cleanups.push(() => dep.cleanup());
  return dep;
}

describe.each(backendCases())('three migrate processes at once on $name', (backend) => {
  it.skipIf(!backend.available).each([1, 2, 3])(
    'round %i: each migration applied and recorded exactly once',
    async () => {
      const d = await track(backend.create());
      const results = await Promise.all(
        [0, 1, 2].map(() => runCliAsync(['migrate', ...urlFlags(d.urls)], { cwd: d.dir })),
      );
      const applied: string[] = [];
      for (const r of results) {
        if (r.code !== 0) {
          // A loser is allowed, with a clear message.
          expect(expectOneLineError(r)).toMatch(/already migrating/);
        } else {
          expect(r.stderr).toBe('');
        }
        applied.push(...[...r.stdout.matchAll(/applied (\d{4}_\w+)/g)].map((m) => m[1] as string));
      }
      expect(applied.sort()).toEqual(Object.values(MIGRATIONS).flat().sort());

      for (const alias of ALIASES) {
        await withRaw(d.urls[alias] as string, async (db) => {
          const rows = await db.query('SELECT name FROM distdb_migrations ORDER BY name');
          expect(rows.map((r) => String(r.name))).toEqual(MIGRATIONS[alias]);
        });
      }
      // A rerun is a no-op.
      const again = runCli(['migrate', ...urlFlags(d.urls)], { cwd: d.dir });
      expect(again.code).toBe(0);
      expect(again.stdout.match(/no migrations to apply/g)).toHaveLength(4);
      expect(again.stdout).not.toMatch(/applied/);
    },
    120_000,
  );
});

/** Tables and what is in them: what "the database as it was" means here. */
async function state(db: RawDb): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const t of await db.tables())
    out[t] = (await db.query(`SELECT * FROM ${t}`)).map((r) => JSON.stringify(r));
  return out;
}

/** Whatever distdb itself needs to exist before a migration (its history table) is not counted. */
function withoutHistory(s: Record<string, unknown>): Record<string, unknown> {
  const { distdb_migrations: _history, ...rest } = s;
  return rest;
}

describe('a migration that fails leaves its database as before it', () => {
  // A users table from before distdb, holding two emails that differ only by case: the
  // migration's case-insensitive unique index on email cannot be built.
  const legacy = [
    'CREATE TABLE users (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(254) NOT NULL)',
    "INSERT INTO users (id, name, email) VALUES (1, 'Ann', 'ann@example.com'), (2, 'Ann Again', 'ANN@example.com')",
  ];

  async function check(url: string, cwd: string, prepare: (db: RawDb) => Promise<void>) {
    await withRaw(url, prepare, { create: true });
    const before = await withRaw(url, state);
    const r = runCli(['migrate', '--database', 'users', '--url', `users=${url}`], { cwd });
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toMatch(/migration 0002_create_users failed on database "users"/);
    expect(r.stdout).toMatch(/FAILED 0002_create_users/);
    const after = await withRaw(url, state);
    expect(withoutHistory(after)).toEqual(withoutHistory(before));
    expect(after.distdb_migrations ?? []).toEqual([]);
    // And it is not recorded as applied.
    const shown = runCli(['showmigrations', '--database', 'users', '--url', `users=${url}`], { cwd });
    expect(shown.stdout).toContain('[ ] 0002_create_users');
  }

  it('sqlite', async () => {
    const d = await track(Promise.resolve(sqliteDeployment()));
    const url = d.urls.users as string;
    await check(url, d.dir, async (db) => {
      for (const sql of legacy) await db.query(sql);
    });
  });

  const pgServer = SERVERS.find((s) => s.backend === 'postgres');
  it.skipIf(!pgServer || !serverAvailable(pgServer))('postgres', async () => {
    const d = await track(
      backendCases()
        .find((c) => c.name === 'postgres')
        ?.create() as Promise<Deployment>,
    );
    const url = d.urls.users as string;
    await check(url, d.dir, async (db) => {
      for (const sql of legacy) await db.query(sql);
    });
  });

  // MySQL cannot fail the index this way (its CREATE TABLE IF NOT EXISTS skips a table that
  // exists, keys included), and its DDL is not transactional: a user who may create the model
  // table but not the journal table makes the migration fail half-way.
  const myServer = SERVERS.find((s) => s.backend === 'mysql');
  it.skipIf(!myServer || !serverAvailable(myServer))('mysql (non-transactional DDL)', async () => {
    const d = await track(
      backendCases()
        .find((c) => c.name === 'mysql')
        ?.create() as Promise<Deployment>,
    );
    const adminUrl = d.urls.users as string;
    const database = new URL(adminUrl).pathname.slice(1);
    const user = `dd_mig_${randomBytes(3).toString('hex')}`;
    const admin = await mysql.createConnection(myServer?.adminUrl as string);
    cleanups.push(async () => {
      const c = await mysql.createConnection(myServer?.adminUrl as string);
      await c.query(`DROP USER IF EXISTS '${user}'@'%'`);
      await c.end();
    });
    try {
      await admin.query(`CREATE USER '${user}'@'%'`);
      for (const table of ['distdb_migrations', 'users'])
        await admin.query(`GRANT ALL PRIVILEGES ON ${database}.${table} TO '${user}'@'%'`);
    } finally {
      await admin.end();
    }
    const limited = new URL(adminUrl);
    limited.username = user;
    limited.password = '';
    const url = limited.href;
    const before = await withRaw(adminUrl, state);
    const r = runCli(['migrate', '--database', 'users', '--url', `users=${url}`], { cwd: d.dir });
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toMatch(/migration 0002_create_users failed on database "users"/);
    const after = await withRaw(adminUrl, state);
    expect(after.distdb_migrations ?? []).toEqual([]);
    expect(withoutHistory(after)).toEqual(withoutHistory(before));
  });
});
