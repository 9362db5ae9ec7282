/**
 * Servers limit connections per user as well as in all (PostgreSQL's role and database
 * CONNECTION LIMIT, MariaDB's MAX_USER_CONNECTIONS): a run must fit in what the user may open,
 * and a connection turned away for now ("too many connections") is tried again.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ALIASES, tempDir } from '../support/deployments.js';
import { runCliAsync, sleep, urlFlags } from '../support/processes.js';
import { SERVERS, type ServerBackend, serverAvailable } from '../support/servers.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch((e) => console.log(`cleanup: ${e}`));
});

const PASSWORD = 'Lim1t-pw';

/** A user (not a superuser) limited to `limit` connections, owning one database per alias. */
async function limitedUser(server: ServerBackend, limit: number): Promise<Record<string, string>> {
  const user = `dd_lim_${randomBytes(3).toString('hex')}`;
  const names = ALIASES.map((a) => `${user}_${a}`);
  const base = new URL(server.adminUrl);
  const url = (db: string) => `${base.protocol}//${user}:${PASSWORD}@${base.host}/${db}`;
  if (server.backend === 'postgres') {
    const admin = new pg.Client({ connectionString: `${server.adminUrl}/postgres` });
    await admin.connect();
    await admin.query(`CREATE ROLE ${user} LOGIN PASSWORD '${PASSWORD}' CONNECTION LIMIT ${limit}`);
    for (const n of names) await admin.query(`CREATE DATABASE ${n} OWNER ${user}`);
    await admin.end();
    cleanups.push(async () => {
      const c = new pg.Client({ connectionString: `${server.adminUrl}/postgres` });
      await c.connect();
      for (const n of names) await c.query(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${user}`);
      await c.end();
    });
  } else {
    const admin = await mysql.createConnection(server.adminUrl);
    for (const host of ['%', 'localhost']) {
      await admin.query(
        `CREATE USER '${user}'@'${host}' IDENTIFIED BY '${PASSWORD}' WITH MAX_USER_CONNECTIONS ${limit}`,
      );
      for (const n of names) await admin.query(`GRANT ALL PRIVILEGES ON ${n}.* TO '${user}'@'${host}'`);
    }
    for (const n of names) await admin.query(`CREATE DATABASE ${n}`);
    await admin.end();
    cleanups.push(async () => {
      const c = await mysql.createConnection(server.adminUrl);
      for (const n of names) await c.query(`DROP DATABASE IF EXISTS ${n}`);
      for (const host of ['%', 'localhost']) await c.query(`DROP USER IF EXISTS '${user}'@'${host}'`);
      await c.end();
    });
  }
  return Object.fromEntries(ALIASES.map((a, i) => [a, url(names[i] as string)]));
}

/** Holds one connection of the user's until `release` is called. */
async function holdConnection(server: ServerBackend, url: string): Promise<() => Promise<void>> {
  if (server.backend === 'postgres') {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    return () => c.end();
  }
  const c = await mysql.createConnection(url);
  return () => c.end();
}

describe.each(SERVERS)('per-user connection limits on $backend', (server) => {
  const up = serverAvailable(server);

  it.skipIf(!up)('a connection turned away while the user is at its limit is tried again', async () => {
    // migrate needs two connections: its pool's and a session holding the migration lock.
    const urls = await limitedUser(server, 2);
    const cwd = tempDir('distdb-limits-');
    const held = [
      await holdConnection(server, urls.users as string),
      await holdConnection(server, urls.users as string),
    ];
    const migrate = runCliAsync(['migrate', '--database', 'users', '--url', `users=${urls.users}`], { cwd });
    await sleep(300);
    for (const release of held) await release();
    const r = await migrate;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('applied 0002_create_users');
  });

  it.skipIf(!up)(
    'simulate --threads 8 fits in a user limited to 8 connections: fewer threads hold connections, with a notice',
    async () => {
      const urls = await limitedUser(server, 8);
      const cwd = tempDir('distdb-limits-');
      const r = await runCliAsync(
        [
          'simulate',
          '--dataset',
          'generated',
          '--records',
          '20000',
          '--threads',
          '8',
          '--json',
          '--no-progress',
          ...urlFlags(urls),
        ],
        { cwd },
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(report.expectations.mismatches).toBe(0);
      expect(report.totals.attempted).toBe(20000);
      expect(report.notices.join(' ')).toMatch(/accepts \d+ more connections: at most \d+ of 8 threads/);
    },
  );
});
