import type { Connection, Row } from 'distdb';
import { DistdbError } from 'distdb';
import { beforeAll, describe, expect, it } from 'vitest';
import { backendCases, useDeployment } from '../support/deployments.js';
import {
  applyStep,
  createWithRows,
  kindsModel,
  kindsRecords,
  readAll,
  storedRow,
} from './fieldKinds.fixture.js';

type Op = Parameters<Connection['dialect']['ddl']>[0];
type Table = Extract<Op, { kind: 'createTable' }>['table'];

/** Whether the database has the index (or unique) `name` now. */
const INDEX_SQL: Record<string, string> = {
  sqlite: "SELECT name FROM sqlite_master WHERE type = 'index' AND name = ?",
  postgres: 'SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ?',
  mysql:
    'SELECT index_name FROM information_schema.statistics WHERE table_schema = DATABASE() AND index_name = ?',
};

/** The table after `column` is gone: its checks, uniques and indexes with it. */
function without(table: Table, column: string): Table {
  return {
    ...table,
    columns: table.columns.filter((c) => c.name !== column),
    checks: (table.checks ?? []).filter((k) => k.column !== column),
    uniques: (table.uniques ?? []).filter((u) => u.column !== column),
    indexes: (table.indexes ?? []).filter((i) => !i.columns.includes(column)),
  };
}

function omit(record: Record<string, unknown>, ...names: string[]) {
  return Object.fromEntries(Object.entries(record).filter(([k]) => !names.includes(k)));
}

describe.each(backendCases())('schema operations on $name', (backend) => {
  const use = useDeployment(backend);
  const Item = kindsModel(backend.name);
  const { input, expected } = kindsRecords(backend.name);
  const server = backend.name !== 'sqlite';
  let conn: Connection;
  let table: Table = Item.table;

  const apply = async (op: Op) => {
    await applyStep(conn, await conn.dialect.ddl(op));
    // A failed migration is run again where DDL is not transactional: every step can be.
    if (server) await applyStep(conn, await conn.dialect.ddl(op));
  };
  const hasIndex = async (name: string) =>
    (await conn.query(INDEX_SQL[backend.name] ?? '', [name])).length > 0;
  /** The stored rows as the driver gives them, so a rebuild must keep them value for value. */
  const rawRows = () => conn.query('SELECT * FROM kinds_items ORDER BY id');
  const row = (id: number, patch: Record<string, unknown> = {}): Row => ({
    ...storedRow(Item, { ...input[2], id, email: `r${id}@example.com` }),
    ...(patch as Row),
  });

  beforeAll(async () => {
    if (!backend.available) return;
    conn = await use.db().connection('orders');
    await createWithRows(conn, Item, input);
  });

  it.skipIf(!backend.available)('addColumn: stored rows keep their values and take the default', async () => {
    const before = await rawRows();
    const rating = {
      name: 'rating',
      type: { kind: 'decimal', precision: 5, scale: 1 },
      default: 35,
    } as const;
    const checks = [{ kind: 'range', column: 'rating', min: '0', max: '10' }] as const;
    await apply({ kind: 'addColumn', table: 'kinds_items', column: rating, checks });
    const seen = { name: 'seen', type: { kind: 'boolean' }, default: 1 } as const;
    await apply({ kind: 'addColumn', table: 'kinds_items', column: seen });
    const checked = { name: 'checked_at', type: { kind: 'timestamp' }, nullable: true } as const;
    await apply({ kind: 'addColumn', table: 'kinds_items', column: checked });
    table = {
      ...table,
      columns: [...table.columns, rating, seen, checked],
      checks: [...(table.checks ?? []), ...checks],
    };

    const after = await rawRows();
    expect(after.map((r) => omit(r, 'rating', 'seen', 'checked_at'))).toEqual(before);
    expect(after.map((r) => [conn.decodeDecimal(r.rating ?? null, 1), Number(r.seen), r.checked_at])).toEqual(
      input.map(() => [35, 1, null]),
    );
    expect(await readAll(conn, Item)).toEqual(expected);
    const writes = await conn.insertBatch(table, [row(20, { rating: 110 }), row(21, { rating: undefined })]);
    expect(writes).toEqual([{ ok: false, violation: 'check', column: 'rating' }, { ok: true }]);
    const [added] = await conn.query('SELECT rating, seen FROM kinds_items WHERE id = 21');
    expect([conn.decodeDecimal(added?.rating ?? null, 1), Number(added?.seen)]).toEqual([35, 1]);
    await conn.execute('DELETE FROM kinds_items WHERE id = 21');
  });

  it.skipIf(!backend.available)(
    'addColumn: a NOT NULL column without a default is refused by name',
    async () => {
      const op: Op = {
        kind: 'addColumn',
        table: 'kinds_items',
        column: { name: 'x', type: { kind: 'integer' } },
      };
      await expect(conn.dialect.ddl(op)).rejects.toThrow(DistdbError);
      await expect(conn.dialect.ddl(op)).rejects.toThrow(/kinds_items\.x: .*nullable or have a default/);
    },
  );

  it.skipIf(!backend.available)(
    'addUnique and dropUnique: a case-insensitive unique folds case',
    async () => {
      const unique = { name: 'kinds_items_name_unique', column: 'name', caseInsensitive: true };
      await apply({ kind: 'addUnique', table: 'kinds_items', unique });
      table = { ...table, uniques: [...(table.uniques ?? []), unique] };
      expect(await hasIndex(unique.name)).toBe(true);
      const again = await conn.insertBatch(table, [row(30, { name: '  WIDGET  ' })]);
      expect(again[0]).toMatchObject({ ok: false, violation: 'unique' });
      expect(await readAll(conn, Item)).toEqual(expected);

      await apply({ kind: 'dropUnique', table: 'kinds_items', unique });
      table = { ...table, uniques: (table.uniques ?? []).filter((u) => u.name !== unique.name) };
      expect(await hasIndex(unique.name)).toBe(false);
      expect(await conn.insertBatch(table, [row(30, { name: '  WIDGET  ' })])).toEqual([{ ok: true }]);
      await conn.execute('DELETE FROM kinds_items WHERE id = 30');
    },
  );

  it.skipIf(!backend.available)('dropIndex drops the index and nothing else', async () => {
    const before = await rawRows();
    const index = { name: 'kinds_items_author_id_idx', columns: ['author_id'] };
    expect(await hasIndex(index.name)).toBe(true);
    await apply({ kind: 'dropIndex', table: 'kinds_items', index });
    table = { ...table, indexes: [] };
    expect(await hasIndex(index.name)).toBe(false);
    expect(await rawRows()).toEqual(before);
  });

  it.skipIf(!backend.available)(
    'dropColumn keeps every other value and drops the column checks and indexes',
    async () => {
      const before = await rawRows();
      table = without(table, 'status');
      await apply({ kind: 'dropColumn', table: 'kinds_items', column: 'status', result: table });
      expect(await rawRows()).toEqual(before.map((r) => omit(r, 'status')));
      expect(await hasIndex('kinds_items_email_unique')).toBe(true);
      // Its check went with it: a row without the column goes in.
      const gone = row(40);
      delete gone.status;
      expect(await conn.insertBatch(table, [gone])).toEqual([{ ok: true }]);
      await conn.execute('DELETE FROM kinds_items WHERE id = 40');

      // An index holding the column with another goes too (MySQL would only narrow it).
      const wider = { name: 'kinds_items_qty_email_idx', columns: ['qty', 'email'] };
      await apply({ kind: 'createIndex', table: 'kinds_items', index: wider });
      expect(await hasIndex(wider.name)).toBe(true);
      table = without({ ...table, indexes: [wider] }, 'email');
      await apply({ kind: 'dropColumn', table: 'kinds_items', column: 'email', result: table });
      expect(await hasIndex('kinds_items_email_unique')).toBe(false);
      expect(await hasIndex(wider.name)).toBe(false);
      expect(await rawRows()).toEqual(before.map((r) => omit(r, 'status', 'email')));
      // The checks left still hold, the uniques left still fold.
      const bad = omit(row(41, { qty: 5000 }), 'status', 'email') as Row;
      expect(await conn.insertBatch(table, [bad])).toEqual([
        { ok: false, violation: 'check', column: 'qty' },
      ]);
      const readBack = (await readAll(conn, Item)).map((r) => omit(r, 'status', 'email'));
      expect(readBack).toEqual(expected.map((r) => omit(r, 'status', 'email')));
    },
  );

  it.skipIf(!backend.available)('dropTable drops it, and again is nothing', async () => {
    await apply({ kind: 'dropTable', table: 'kinds_items' });
    expect(await conn.tableExists('kinds_items')).toBe(false);
    await applyStep(conn, await conn.dialect.ddl({ kind: 'dropTable', table: 'kinds_items' }));
  });
});
