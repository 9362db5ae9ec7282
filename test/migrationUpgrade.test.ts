/**
 * Databases migrated (and filled) by the version before migration files, whose shop migrations
 * were a list in code: they keep working. The fixture is that version's SQLite schema, history
 * and rows as `node dist/cli/main.js simulate --reset` of commit c62156e left them in data/*.db,
 * so the test needs no git checkout or old build.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANONICAL_OUTCOME } from './support/canonical.js';
import { runCli } from './support/cli.js';
import { backendCases, tempDir, useDeployment } from './support/deployments.js';
import { withRaw } from './support/rawdb.js';

interface OldDatabase {
  schema: string[];
  history: { name: string; applied_at: string }[];
  rows: Record<string, Record<string, unknown>[]>;
}

const FIXTURE: Record<string, OldDatabase> = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'shop-c62156e.json'), 'utf8'),
);
const SHOP_FILES = resolve(import.meta.dirname, '../dist/examples/shop/migrations');
const sha256 = (name: string) =>
  createHash('sha256')
    .update(readFileSync(join(SHOP_FILES, `${name}.json`)))
    .digest('hex');

const cwd = tempDir('distdb-upgrade-');
const urlOf = (alias: string) => `sqlite:${join(cwd, 'data', `${alias}.db`)}`;

beforeAll(async () => {
  mkdirSync(join(cwd, 'data'));
  for (const [alias, old] of Object.entries(FIXTURE)) {
    await withRaw(
      urlOf(alias),
      async (db) => {
        for (const sql of old.schema) await db.query(sql);
        for (const h of old.history)
          await db.query('INSERT INTO distdb_migrations (name, applied_at) VALUES (?, ?)', [
            h.name,
            h.applied_at,
          ]);
        for (const [table, rows] of Object.entries(old.rows))
          for (const row of rows) {
            const keys = Object.keys(row);
            await db.query(
              `INSERT INTO ${table} (${keys.join(', ')}) VALUES (${keys.map(() => '?').join(', ')})`,
              Object.values(row),
            );
          }
      },
      { create: true },
    );
  }
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('databases migrated by the version before migration files', () => {
  it('showmigrations reads their history as applied', () => {
    const r = runCli(['showmigrations'], { cwd });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toBe(
      [
        'default (sqlite:./data/default.db)',
        '  [X] 0001_run_history',
        '  [X] 0005_run_keys',
        '  [X] 0007_run_failures_by_code',
        'users (sqlite:./data/users.db)',
        '  [X] 0002_create_users',
        '  [X] 0006_users_case_fold',
        'products (sqlite:./data/products.db)',
        '  [X] 0003_create_products',
        'orders (sqlite:./data/orders.db)',
        '  [X] 0004_create_orders',
        '',
      ].join('\n'),
    );
  });

  it('migrate applies nothing, keeps every row and records the checksum of each shop file', async () => {
    const r = runCli(['migrate'], { cwd });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout.match(/no migrations to apply/g)).toHaveLength(4);
    expect(r.stdout).not.toMatch(/applied/);
    for (const [alias, old] of Object.entries(FIXTURE)) {
      await withRaw(urlOf(alias), async (db) => {
        const history = await db.query(
          'SELECT name, applied_at, checksum FROM distdb_migrations ORDER BY name',
        );
        expect(history).toEqual(
          old.history.map((h) => ({ ...h, checksum: alias === 'default' ? null : sha256(h.name) })),
        );
        for (const [table, rows] of Object.entries(old.rows))
          expect(await db.query(`SELECT * FROM ${table} ORDER BY id`)).toEqual(rows);
      });
    }
  });

  it('simulate --append runs into the rows already there, and --reset gives the canonical outcome', () => {
    const appended = runCli(['simulate', '--append', '--json'], { cwd });
    expect([appended.code, appended.stderr]).toEqual([0, '']);
    expect(JSON.parse(appended.stdout).totals.attempted).toBe(30);
    const reset = runCli(['simulate', '--reset', '--json'], { cwd });
    expect([reset.code, reset.stderr]).toEqual([0, '']);
    expect(JSON.parse(reset.stdout).totals).toEqual(CANONICAL_OUTCOME.totals);
  });
});

describe.each(backendCases())('a history table without the checksum column on $name', (backend) => {
  const use = useDeployment(backend, true);

  it.skipIf(!backend.available)(
    'gets the column back from migrate, and each file row its checksum',
    async () => {
      const url = use.deployment().urls.users as string;
      // As versions before migration files made it.
      await withRaw(url, (db) => db.query('ALTER TABLE distdb_migrations DROP COLUMN checksum'));
      const [shown] = await use.db().showMigrations({ database: 'users' });
      expect(shown?.migrations.map((m) => [m.id, m.applied, m.changed ?? false])).toEqual([
        ['0002_create_users', true, false],
        ['0006_users_case_fold', true, false],
      ]);
      const [result] = await use.db().migrate({ database: 'users' });
      expect(result).toMatchObject({ status: 'ok', applied: [], alreadyApplied: 2 });
      const rows = await withRaw(url, (db) =>
        db.query('SELECT name, checksum FROM distdb_migrations ORDER BY name'),
      );
      expect(rows).toEqual(
        ['0002_create_users', '0006_users_case_fold'].map((name) => ({ name, checksum: sha256(name) })),
      );
    },
  );
});
