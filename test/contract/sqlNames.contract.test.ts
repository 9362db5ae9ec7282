import { rmSync } from 'node:fs';
import { type Distdb, defineModel, f, openDistdb } from 'distdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blogDatabases, migrateBlog } from '../support/blogConfig.js';
import { tempDir } from '../support/deployments.js';
import { queryBackends } from '../support/querySchema.js';

/**
 * Models and fields named with words SQL reserves, over three databases: every statement distdb
 * writes (DDL, bulk inserts, lookups, queries, migrations) must quote them on every backend.
 */
const USER_FIELDS = {
  id: f.id(),
  select: f.text({ minLength: 1, maxLength: 40 }),
  order: f.email({ unique: 'ci' }),
  group: f.integer({ min: 0, max: 10, optional: true }),
  desc: f.decimal({ precision: 8, scale: 2, min: '0', default: '1.50' }),
};
const User = defineModel({ name: 'User', table: 'user', fields: USER_FIELDS });
const Order = defineModel({
  name: 'Order',
  table: 'order',
  fields: {
    id: f.id(),
    from_id: f.ref(User, { as: 'from', onDelete: 'cascade' }),
    table: f.enum(['open', 'closed'] as const),
    limit: f.boolean({ default: false }),
  },
});
const Group = defineModel({
  name: 'Group',
  table: 'group',
  fields: { id: f.id(), order_id: f.ref(Order, { optional: true, onDelete: 'setNull' }), key: f.text() },
});

const ROUTES = { User: 'people', Order: 'content', Group: 'discussion' };

function user(id: number, extra: Record<string, unknown> = {}) {
  return { id, select: `name ${id}`, order: `u${id}@example.com`, group: id % 3, ...extra };
}

describe.each(queryBackends())('names SQL reserves, on $name', (backend) => {
  let db: Distdb;
  let dir = '';
  let drop = async () => {};
  const open = (urls: Record<string, string>, models: readonly unknown[] = [User, Order, Group]) =>
    openDistdb({
      models: models as never,
      databases: urls,
      routes: ROUTES,
      migrations: 'migrations',
      env: {},
      cwd: dir,
    });
  let urls: Record<string, string> = {};

  beforeAll(async () => {
    if (!backend.available) return;
    dir = tempDir('distdb-names-');
    const databases = await blogDatabases(backend.name, dir);
    urls = databases.urls;
    drop = databases.drop;
    db = await open(urls);
    await migrateBlog(db);
  });
  afterAll(async () => {
    await db?.close();
    await drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.runIf(backend.available)('inserts, refuses duplicates and bad values with their codes', async () => {
    expect(await db.insert(User, user(1))).toEqual({ ok: true, id: 1 });
    const outcomes = await db.insertMany(User, [
      user(2),
      user(3, { order: 'U2@EXAMPLE.COM' }),
      user(4, { group: 11 }),
      user(5, { desc: '-1' }),
      user(6),
    ]);
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.code))).toEqual([
      'ok',
      'duplicate_order',
      'invalid_group',
      'invalid_desc',
      'ok',
    ]);
    expect(
      await db.insertMany(
        Order,
        [1, 2, 3].map((id) => ({ id, from_id: id === 3 ? 6 : 1, table: 'open' })),
      ),
    ).toEqual([1, 2, 3].map((id) => ({ ok: true, id })));
    expect((await db.insert(Order, { id: 9, from_id: 99, table: 'open' })).ok).toBe(false);
    expect(await db.insert(Group, { id: 1, order_id: 1, key: 'k' })).toEqual({ ok: true, id: 1 });
  });

  it.runIf(backend.available)('finds, orders, counts and includes across databases', async () => {
    const found = await db.find(User, { where: { group: { in: [1, 2] } }, orderBy: [{ select: 'desc' }] });
    expect(found.map((u) => u.id)).toEqual([2, 1]);
    expect(found[0]?.desc).toBe('1.50');
    expect(await db.count(Order, { where: { from_id: 1, limit: false } })).toBe(2);
    const orders = await db.find(Order, { include: ['from'], orderBy: [{ id: 'asc' }] });
    expect(orders.map((o) => o.from?.select)).toEqual(['name 1', 'name 1', 'name 6']);
    expect((await db.get(Group, 1, { include: ['order'] }))?.order?.table).toBe('open');
  });

  it.runIf(backend.available)('updates and deletes: cascade and setNull across databases', async () => {
    expect(await db.update(User, 2, { order: 'U1@example.com' })).toMatchObject({
      ok: false,
      code: 'duplicate_order',
    });
    expect(await db.update(Order, 2, { table: 'closed', limit: true })).toEqual({ ok: true, id: 2 });
    expect(await db.delete(User, 1)).toMatchObject({ ok: true });
    expect(await db.count(Order)).toBe(1);
    expect((await db.get(Group, 1))?.order_id).toBeNull();
  });

  it.runIf(backend.available)('migrates: a field added, then one dropped', async () => {
    await db.close();
    const withWhere = defineModel({
      name: 'User',
      table: 'user',
      fields: { ...USER_FIELDS, where: f.text({ optional: true }) },
    });
    db = await open(urls, [withWhere, Order, Group]);
    await migrateBlog(db);
    expect(await db.update(withWhere, 6, { where: 'here' })).toEqual({ ok: true, id: 6 });
    await db.close();
    const { group: _dropped, ...rest } = USER_FIELDS;
    const withoutGroup = defineModel({
      name: 'User',
      table: 'user',
      fields: { ...rest, where: f.text({ optional: true }) },
    });
    db = await open(urls, [withoutGroup, Order, Group]);
    await migrateBlog(db);
    const [row] = await db.find(withoutGroup, { where: { id: 6 } });
    expect(row).toMatchObject({ id: 6, select: 'name 6', where: 'here' });
    expect(row).not.toHaveProperty('group');
  });
});
