import { describe, expect, it } from 'vitest';
import { backendCases, useDeployment } from '../support/deployments.js';

const TABLES: Record<string, string[]> = {
  default: ['distdb_runs', 'distdb_run_failures'],
  users: ['users'],
  products: ['products'],
  orders: ['orders'],
};
const ALL_TABLES = Object.values(TABLES).flat();

describe.each(backendCases())('migrations on $name', (backend) => {
  const use = useDeployment(backend);

  it.skipIf(!backend.available)('migrating one database creates only the tables routed to it', async () => {
    const [result] = await use.db().migrate({ database: 'users' });
    expect(result).toMatchObject({
      alias: 'users',
      status: 'ok',
      applied: ['0002_create_users', '0006_users_case_fold'],
    });
    const users = await use.db().connection('users');
    expect(await users.tableExists('users')).toBe(true);
    for (const t of ALL_TABLES.filter((x) => x !== 'users')) expect(await users.tableExists(t)).toBe(false);
    const products = await use.db().connection('products');
    expect(await products.tableExists('products')).toBe(false);
  });

  it.skipIf(!backend.available)(
    'migrate applies each model to its own database and nowhere else',
    async () => {
      const results = await use.db().migrate();
      expect(results.map((r) => [r.alias, r.status === 'ok' ? r.applied : r.error])).toEqual([
        ['default', ['0001_run_history', '0005_run_keys', '0007_run_failures_by_code']],
        ['users', []],
        ['products', ['0003_create_products']],
        ['orders', ['0004_create_orders']],
      ]);
      for (const [alias, tables] of Object.entries(TABLES)) {
        const conn = await use.db().connection(alias);
        for (const t of ALL_TABLES)
          expect([alias, t, await conn.tableExists(t)]).toEqual([alias, t, tables.includes(t)]);
      }
    },
  );

  it.skipIf(!backend.available)(
    'a second migrate is a no-op and history shows everything applied',
    async () => {
      const again = await use.db().migrate();
      expect(again.every((r) => r.status === 'ok' && r.applied.length === 0)).toBe(true);
      const shown = await use.db().showMigrations();
      expect(
        shown.map((d) => [d.alias, d.migrations.map((m) => `${m.applied ? 'X' : ' '} ${m.id}`)]),
      ).toEqual([
        ['default', ['X 0001_run_history', 'X 0005_run_keys', 'X 0007_run_failures_by_code']],
        ['users', ['X 0002_create_users', 'X 0006_users_case_fold']],
        ['products', ['X 0003_create_products']],
        ['orders', ['X 0004_create_orders']],
      ]);
    },
  );

  it.skipIf(!backend.available)('unknown aliases are rejected by name', async () => {
    await expect(use.db().migrate({ database: 'nope' })).rejects.toThrow(/unknown database alias "nope"/);
  });
});
