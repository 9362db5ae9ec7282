/**
 * Case-insensitive uniqueness must not depend on the database's locale. Under ICU tr-TR,
 * PostgreSQL's lower('I') is a dotless ı, so an index on lower(email) lets "alice@example.com"
 * and "ALICE@EXAMPLE.COM" both land; MariaDB is given a Turkish default collation likewise.
 */
import { randomBytes } from 'node:crypto';
import { openDistdb, simulate, type User, UserModel } from 'distdb';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/deployments.js';
import { withRaw } from '../support/rawdb.js';
import { SERVERS, type ServerBackend, serverAvailable } from '../support/servers.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A database whose own collation is Turkish; dropped after the tests. */
async function turkishDatabase(server: ServerBackend): Promise<string> {
  const name = `distdb_t_${randomBytes(4).toString('hex')}_tr`;
  if (server.backend === 'postgres') {
    const admin = new pg.Client({ connectionString: `${server.adminUrl}/postgres` });
    await admin.connect();
    await admin.query(
      `CREATE DATABASE ${name} LOCALE_PROVIDER icu ICU_LOCALE 'tr-TR' LOCALE 'C.UTF-8' TEMPLATE template0`,
    );
    await admin.end();
    cleanups.push(async () => {
      const c = new pg.Client({ connectionString: `${server.adminUrl}/postgres` });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    });
  } else {
    const admin = await mysql.createConnection(server.adminUrl);
    await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_turkish_ci`);
    await admin.end();
    cleanups.push(async () => {
      const c = await mysql.createConnection(server.adminUrl);
      await c.query(`DROP DATABASE IF EXISTS ${name}`);
      await c.end();
    });
  }
  return `${server.adminUrl}/${name}`;
}

const users: [User, User, User, User] = [
  { id: 1, name: 'Alice', email: 'alice@example.com' },
  { id: 2, name: 'Alice Again', email: 'ALICE@EXAMPLE.COM' },
  { id: 3, name: 'Ivan', email: 'IVAN@example.com' },
  { id: 4, name: 'ivan', email: 'ivan@EXAMPLE.com' },
];

describe.each(SERVERS)('case-insensitive email on a $backend database with a Turkish collation', (server) => {
  it.skipIf(!serverAvailable(server))(
    'one row per email whatever the case, in one batch, in batches of one, and one insert at a time',
    async () => {
      const url = await turkishDatabase(server);
      if (server.backend === 'postgres') {
        // The database folds as described: the test would prove nothing otherwise.
        const [row] = await withRaw(url, (db) => db.query("SELECT lower('ALICE') AS folded"));
        expect(row?.folded).toBe('alıce');
      }
      const db = await openDistdb({ urls: { users: url }, env: {}, cwd: tempDir() });
      try {
        await db.migrate();
        for (const batchSize of [10, 1]) {
          const report = await simulate(db, {
            threads: 2,
            batchSize,
            existing: 'reset',
            confirmReset: true,
            dataset: { kind: 'records', name: 'turkish', records: { users } },
          });
          expect(report.failures.map((f) => [f.id, f.code])).toEqual([
            [2, 'duplicate_email'],
            [4, 'duplicate_email'],
          ]);
        }
        const conn = await db.connection('users');
        await conn.truncate('users');
        expect((await db.insert(UserModel, users[0])).ok).toBe(true);
        expect(await db.insert(UserModel, users[1])).toMatchObject({ ok: false, code: 'duplicate_email' });
        // The database's own constraint refuses the other case too, whoever writes.
        await expect(
          conn.execute('INSERT INTO users (id, name, email) VALUES (?, ?, ?)', [
            9,
            'Raw',
            'ALICE@example.com',
          ]),
        ).rejects.toThrow();
      } finally {
        await db.close();
      }
    },
  );
});

const pgServer = SERVERS.find((s) => s.backend === 'postgres') as ServerBackend;

describe('PostgreSQL databases migrated before the fold was locale-independent', () => {
  it.skipIf(!serverAvailable(pgServer))(
    'a users table migrated before the fold changed is rebuilt by migrate, and refused while it holds such duplicates',
    async () => {
      const url = await turkishDatabase(pgServer);
      const db = await openDistdb({ urls: { users: url }, env: {}, cwd: tempDir() });
      try {
        await db.migrate();
        // As an earlier version left it: the index on lower(email) under the database's locale.
        await withRaw(url, async (raw) => {
          await raw.query('DROP INDEX users_email_unique');
          await raw.query('CREATE UNIQUE INDEX users_email_unique ON users (lower(email))');
          await raw.query("DELETE FROM distdb_migrations WHERE name = '0006_users_case_fold'");
          await raw.query("INSERT INTO users (id, name, email) VALUES (1, 'Alice', 'alice@example.com')");
          await raw.query("INSERT INTO users (id, name, email) VALUES (2, 'Alice', 'ALICE@EXAMPLE.COM')");
        });
        const [refused] = await db.migrate({ database: 'users' });
        expect(refused).toMatchObject({ status: 'failed', failed: '0006_users_case_fold' });
        await withRaw(url, (raw) => raw.query('DELETE FROM users WHERE id = 2'));
        const [done] = await db.migrate({ database: 'users' });
        expect(done).toMatchObject({ status: 'ok', applied: ['0006_users_case_fold'] });
        const [index] = await withRaw(url, (raw) =>
          raw.query("SELECT indexdef FROM pg_indexes WHERE indexname = 'users_email_unique'"),
        );
        expect(String(index?.indexdef)).toContain('COLLATE "C"');
        expect(await db.insert(UserModel, users[1])).toMatchObject({ ok: false, code: 'duplicate_email' });
      } finally {
        await db.close();
      }
    },
  );
});
