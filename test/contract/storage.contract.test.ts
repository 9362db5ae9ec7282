import { type Connection, OrderModel, ProductModel, UserModel } from 'distdb';
import { describe, expect, it } from 'vitest';
import { backendCases, useDeployment } from '../support/deployments.js';

type TableDef = Parameters<Connection['insertBatch']>[0];

describe.each(backendCases())('storage on $name', (backend) => {
  const use = useDeployment(backend, true);

  it.skipIf(!backend.available)('inserts, gets and lists records with exact prices', async () => {
    expect(await use.db().insert(UserModel, { id: 1, name: 'Alice', email: 'Alice@Example.com' })).toEqual({
      ok: true,
      id: 1,
    });
    expect(await use.db().insert(ProductModel, { id: 1, name: 'Laptop', price: 999999.99 })).toEqual({
      ok: true,
      id: 1,
    });
    expect(await use.db().insert(ProductModel, { id: 2, name: 'Pen', price: '0.10' })).toEqual({
      ok: true,
      id: 2,
    });
    expect(await use.db().get(UserModel, 1)).toEqual({ id: 1, name: 'Alice', email: 'Alice@Example.com' });
    expect(await use.db().get(ProductModel, 1)).toEqual({ id: 1, name: 'Laptop', price: '999999.99' });
    expect(await use.db().list(ProductModel)).toEqual([
      { id: 1, name: 'Laptop', price: '999999.99' },
      { id: 2, name: 'Pen', price: '0.10' },
    ]);
    expect(await use.db().get(UserModel, 404)).toBeUndefined();
  });

  it.skipIf(!backend.available)('emails are unique case-insensitively, ids are unique', async () => {
    const dupEmail = await use.db().insert(UserModel, { id: 2, name: 'Alicia', email: 'alice@example.COM' });
    expect(dupEmail).toMatchObject({ ok: false, code: 'duplicate_email' });
    const dupId = await use.db().insert(UserModel, { id: 1, name: 'Bob', email: 'bob@example.com' });
    expect(dupId).toMatchObject({ ok: false, code: 'duplicate_id' });
    const both = await use.db().insert(UserModel, { id: 1, name: 'Al', email: 'ALICE@example.com' });
    expect(both).toMatchObject({ ok: false, code: 'duplicate_id' });
    expect(both.ok ? '' : both.message).toMatch(/id 1 already exists; email .* already exists/);
    expect(await use.db().count(UserModel)).toBe(1);
  });

  it.skipIf(!backend.available)(
    'an order needs its user and product to exist in their databases',
    async () => {
      expect(await use.db().insert(OrderModel, { id: 1, user_id: 1, product_id: 2, quantity: 3 })).toEqual({
        ok: true,
        id: 1,
      });
      const unknown = await use.db().insert(OrderModel, { id: 2, user_id: 7, product_id: 8, quantity: 3 });
      expect(unknown).toMatchObject({
        ok: false,
        code: 'unknown_user',
        message: 'User 7 does not exist; Product 8 does not exist',
      });
      const badQty = await use.db().insert(OrderModel, { id: 3, user_id: 1, product_id: 99, quantity: 0 });
      expect(badQty).toMatchObject({ ok: false, code: 'invalid_quantity' });
      expect(badQty.ok ? '' : badQty.message).toContain('Product 99 does not exist');
      expect(await use.db().count(OrderModel)).toBe(1);
    },
  );

  it.skipIf(!backend.available)(
    'the database itself rejects rows that break the rules (final guard)',
    async () => {
      const conn = await use.db().connection('products');
      const writes = await conn.insertBatch(ProductModel.table, [
        { id: 10, name: 'Ok', price: 100 },
        { id: 11, name: ' ', price: 100 },
        { id: 12, name: 'Free', price: 0 },
        { id: 10, name: 'Again', price: 100 },
      ]);
      expect(writes.map((w) => (w.ok ? 'ok' : w.violation))).toEqual(['ok', 'check', 'check', 'unique']);
      const users = await use.db().connection('users');
      const dup = await users.insertBatch(UserModel.table, [
        { id: 50, name: 'Zed', email: 'ALICE@EXAMPLE.COM' },
      ]);
      expect(dup[0]).toMatchObject({ ok: false, violation: 'unique' });
    },
  );

  it.skipIf(!backend.available)(
    'a large insertBatch gives each row its own outcome: duplicates of stored rows and of earlier rows in the batch',
    async () => {
      const users = await use.db().connection('users');
      const base = 8_000_000;
      await users.insertBatch(UserModel.table, [
        { id: base + 1, name: 'Stored one', email: 'stored1@example.com' },
        { id: base + 2, name: 'Stored two', email: 'stored2@example.com' },
      ]);
      const rows = Array.from({ length: 12_000 }, (_, i) => ({
        id: base + 100 + i,
        name: `User ${i}`,
        email: `bulk${i}@example.com`,
      }));
      const set = (i: number, patch: Partial<(typeof rows)[number]>) =>
        Object.assign(rows[i] as object, patch);
      set(10, { id: base + 1 }); // a stored id
      set(20, { email: 'STORED2@example.com' }); // a stored email, other case
      set(31, { email: 'bulk30@EXAMPLE.com' }); // the email of an earlier row of the batch
      set(41, { id: base + 100 + 40 }); // the id of an earlier row
      set(11_997, { id: base + 100 + 11_998 }); // the id of the next row: this one is first
      set(11_999, { id: base + 2 }); // a stored id, in the last row
      const writes = await users.insertBatch(UserModel.table, rows);
      const refused = writes.flatMap((w, i) => (w.ok ? [] : [[i, w.violation]]));
      expect(refused).toEqual([
        [10, 'unique'],
        [20, 'unique'],
        [31, 'unique'],
        [41, 'unique'],
        [11_998, 'unique'],
        [11_999, 'unique'],
      ]);
      const stored = await users.query<{ n: number }>('SELECT COUNT(*) AS n FROM users WHERE id >= ?', [
        base,
      ]);
      expect(Number(stored[0]?.n)).toBe(2 + 12_000 - 6);
      await users.execute('DELETE FROM users WHERE id >= ?', [base]); // later tests count users
    },
  );

  it.skipIf(!backend.available)(
    'a large batch with one duplicate, of a stored row or an earlier one, alone or in a transaction, refuses only that row',
    async () => {
      const users = await use.db().connection('users');
      const base = 9_000_000;
      const rowsFrom = (start: number) =>
        Array.from({ length: 1_000 }, (_, i) => ({
          id: base + start + i,
          name: `User ${start + i}`,
          email: `dup${start + i}@example.com`,
        }));
      const refused = (writes: readonly { ok: boolean }[]) => writes.flatMap((w, i) => (w.ok ? [] : [i]));
      // A clean batch before each duplicate one: whatever the batches before, every path is taken.
      expect(refused(await users.insertBatch(UserModel.table, rowsFrom(0)))).toEqual([]);
      const alone = rowsFrom(1_000);
      Object.assign(alone[500] as object, { id: base + 7 });
      expect(refused(await users.insertBatch(UserModel.table, alone))).toEqual([500]);
      expect(refused(await users.insertBatch(UserModel.table, rowsFrom(2_000)))).toEqual([]);
      const inBatch = rowsFrom(5_000);
      Object.assign(inBatch[700] as object, { email: 'DUP5300@example.com' });
      expect(refused(await users.insertBatch(UserModel.table, inBatch))).toEqual([700]);
      expect(refused(await users.insertBatch(UserModel.table, rowsFrom(6_000)))).toEqual([]);
      const inTx = rowsFrom(3_000);
      Object.assign(inTx[999] as object, { email: 'DUP3@example.com' });
      const writes = await users.transaction(async (tx) => {
        const w = await tx.insertBatch(UserModel.table, inTx);
        // The transaction is still usable after the refused row.
        await tx.insertBatch(UserModel.table, rowsFrom(4_000));
        return w;
      });
      expect(refused(writes)).toEqual([999]);
      const stored = await users.query<{ n: number }>('SELECT COUNT(*) AS n FROM users WHERE id >= ?', [
        base,
      ]);
      expect(Number(stored[0]?.n)).toBe(7_000 - 3);
      await users.execute('DELETE FROM users WHERE id >= ?', [base]); // later tests count users
    },
  );

  // The other backends' insert SQL quotes names too once their dialects do.
  it.skipIf(!backend.available || backend.name !== 'postgres')(
    'PostgreSQL inserts into and looks up a table and columns named by reserved words',
    async () => {
      const conn = await use.db().connection('users');
      const table: TableDef = {
        name: 'user',
        primaryKey: 'select',
        columns: [
          { name: 'select', type: { kind: 'bigint' } },
          { name: 'order', type: { kind: 'text' }, caseInsensitive: true },
        ],
        uniques: [{ name: 'user_order_unique', column: 'order', caseInsensitive: true }],
      };
      await conn.execute('CREATE TABLE "user" ("select" BIGINT PRIMARY KEY, "order" TEXT NOT NULL)');
      await conn.execute('CREATE UNIQUE INDEX user_order_unique ON "user" (lower("order" COLLATE "C"))');
      try {
        const rows = (from: number) =>
          Array.from({ length: 300 }, (_, i) => ({ select: from + i, order: `o${from + i}` }));
        expect((await conn.insertBatch(table, rows(0))).every((w) => w.ok)).toBe(true);
        const again = rows(300);
        Object.assign(again[5] as object, { order: 'O7' });
        const writes = await conn.insertBatch(table, again);
        expect(writes.flatMap((w, i) => (w.ok ? [] : [i]))).toEqual([5]);
        const [one] = await conn.insertBatch(table, [{ select: 1, order: 'new' }]);
        expect(one).toMatchObject({ ok: false, violation: 'unique' });
        expect([...(await conn.existing(table, 'order', ['O1', 'none']))]).toEqual(['o1']);
        expect([...(await conn.existing(table, 'select', [2, 9999]))]).toEqual(['2']);
      } finally {
        await conn.execute('DROP TABLE "user"');
      }
    },
  );

  it.skipIf(!backend.available)('integerRange reads the key values of a range, bounds included', async () => {
    const conn = await use.db().connection('products');
    const base = 7_000_000;
    const ids = [3, 70, 71, 500, 9].map((n) => base + n).concat(2 ** 40);
    await conn.insertBatch(
      ProductModel.table,
      ids.map((id) => ({ id, name: `Item ${id}`, price: 100 })),
    );
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    expect(sorted(await conn.integerRange(ProductModel.table, 'id', base + 3, base + 71))).toEqual(
      [3, 9, 70, 71].map((n) => base + n),
    );
    expect(await conn.integerRange(ProductModel.table, 'id', base + 72, base + 499)).toEqual([]);
    expect(await conn.integerRange(ProductModel.table, 'id', 2 ** 40, 2 ** 40)).toEqual([2 ** 40]);
    const all = await conn.integerRange(ProductModel.table, 'id', 0, 2 ** 50);
    const stored = (await use.db().list(ProductModel)).map((p) => Number(p.id));
    expect(sorted(all)).toEqual(sorted(stored));
  });

  it.skipIf(!backend.available)('hostile names are stored and read back byte-identical', async () => {
    const names = [
      `Robert'); DROP TABLE users;--`,
      'Zoë 😀 עברית',
      '\u202Eevil\u202C',
      `"quoted" \\ back`,
      'tab\there\r\n',
      // Text with a meaning inside an array literal, which is how PostgreSQL batches travel.
      'NULL',
      '{a,b}',
      '  ,, "} ',
      '\\"\\\\',
    ];
    let id = 100;
    for (const name of names) {
      id++;
      expect(await use.db().insert(UserModel, { id, name, email: `u${id}@example.com` })).toMatchObject({
        ok: true,
      });
      expect((await use.db().get(UserModel, id))?.name).toBe(name);
    }
    expect(await use.db().count(UserModel)).toBe(1 + names.length);
    // The same names again, in one batch.
    const users = await use.db().connection('users');
    const batch = names.map((name, n) => ({ id: 200 + n, name, email: `b${n}@example.com` }));
    const writes = await users.insertBatch(UserModel.table, batch);
    expect(writes.every((w) => w.ok)).toBe(true);
    for (const row of batch) expect((await use.db().get(UserModel, row.id))?.name).toBe(row.name);
  });
});
