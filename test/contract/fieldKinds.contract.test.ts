import type { Connection, Row, SqlValue } from 'distdb';
import { DistdbError, toRecord } from 'distdb';
import { beforeAll, describe, expect, it } from 'vitest';
import { backendCases, useDeployment } from '../support/deployments.js';
import { createWithRows, kindsModel, kindsRecords, readAll, storedRow } from './fieldKinds.fixture.js';

// A process zone that is neither UTC nor a whole hour away: a timestamp read or written in local
// time anywhere on the way shows up as a shifted value.
process.env.TZ = 'America/St_Johns';

/** What each backend really stores for record 1: the UTC instant, and the exact decimal. */
const STORED: Record<string, { sql: string; at: unknown; amount: unknown }> = {
  sqlite: {
    sql: 'SELECT at, amount FROM kinds_items WHERE id = 1',
    at: '2024-05-01T12:30:00.250Z',
    amount: 123456789012345678n,
  },
  postgres: {
    sql: `SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS at, amount::text AS amount FROM kinds_items WHERE id = 1`,
    at: '2024-05-01 12:30:00.250',
    amount: '123456789012.345678',
  },
  mysql: {
    sql: `SELECT DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f') AS at, CAST(amount AS CHAR) AS amount FROM kinds_items WHERE id = 1`,
    at: '2024-05-01 12:30:00.250000',
    amount: '123456789012.345678',
  },
};

/** A session time zone other than UTC, for reading back (DATETIME ignores it, TIMESTAMP would not). */
const SESSION_ZONE: Record<string, string | undefined> = {
  postgres: "SET LOCAL TIME ZONE 'Asia/Kolkata'",
  mysql: "SET time_zone = '+05:30'",
};

describe.each(backendCases())('field kinds on $name', (backend) => {
  const use = useDeployment(backend);
  const Item = kindsModel(backend.name);
  const { input, expected } = kindsRecords(backend.name);
  let conn: Connection;

  beforeAll(async () => {
    if (!backend.available) return;
    conn = await use.db().connection('users');
    await createWithRows(conn, Item, input);
  });

  it.skipIf(!backend.available)('every kind reads back exactly as the record gave it', async () => {
    expect(await readAll(conn, Item)).toEqual(expected);
    const stored = STORED[backend.name];
    const [row] = await conn.query(stored?.sql ?? '');
    expect(row).toEqual({ at: stored?.at, amount: stored?.amount });
  });

  it.skipIf(!backend.available)('timestamps read back in UTC whatever the session zone', async () => {
    const zone = SESSION_ZONE[backend.name];
    const rows = await conn.transaction(async (tx) => {
      if (zone) await tx.execute(zone);
      const read = await tx.query('SELECT * FROM kinds_items ORDER BY id');
      if (backend.name === 'mysql') await tx.execute("SET time_zone = '+00:00'");
      return read;
    });
    expect(rows.map((r) => toRecord(Item, r, conn).at)).toEqual(expected.map((r) => r.at));
  });

  it.skipIf(!backend.available)(
    'a row leaving out columns with defaults gets them from the database',
    async () => {
      const row = storedRow(Item, { ...input[1], id: 10, email: 'dflt@example.com' });
      for (const name of ['fee', 'flag', 'since', 'level', 'note']) delete row[name];
      expect(await conn.insertBatch(Item.table, [row])).toEqual([{ ok: true }]);
      const [read] = await conn.query('SELECT * FROM kinds_items WHERE id = 10');
      expect(toRecord(Item, read as Row, conn)).toEqual({
        ...expected[1],
        id: 10,
        email: 'dflt@example.com',
      });
      await conn.execute('DELETE FROM kinds_items WHERE id = 10');
    },
  );

  it.skipIf(!backend.available)('rows breaking a rule are refused, each with its column', async () => {
    const wide = backend.name !== 'sqlite';
    const good = storedRow(Item, { ...input[2] });
    const cases: [Record<string, SqlValue>, string, string][] = [
      [{ status: 'gone' }, 'check', 'status'],
      [{ level: 'mid' }, 'check', 'level'],
      [{ active: 2 }, 'check', 'active'],
      [{ at: '2024-05-01 12:30:00' }, 'check', 'at'],
      [{ at: '2024-02-30T00:00:00.000Z' }, 'check', 'at'],
      [{ amount: wide ? 10n ** 30n : 10n ** 18n }, 'check', 'amount'],
      [{ amount: wide ? -(10n ** 29n) - 1n : -(10n ** 17n) - 1n }, 'check', 'amount'],
      [{ name: '   ' }, 'check', 'name'],
      [{ qty: 1001 }, 'check', 'qty'],
      [{ qty: null }, 'not_null', 'qty'],
    ];
    const rows = cases.map(([patch], n) => ({
      ...good,
      id: 100 + n,
      email: `bad${n}@example.com`,
      ...patch,
    }));
    const writes = await conn.insertBatch(Item.table, rows);
    expect(writes).toEqual(cases.map(([, violation, column]) => ({ ok: false, violation, column })));
    const dup = await conn.insertBatch(Item.table, [{ ...good, id: 200, email: 'ANN@example.COM' }]);
    expect(dup[0]).toMatchObject({ ok: false, violation: 'unique' });
    expect(await readAll(conn, Item)).toEqual(expected);
  });

  it.skipIf(!backend.available)('the database itself holds enums and booleans to their values', async () => {
    const refused = async (sql: string, constraint?: RegExp) => {
      const attempt = conn.execute(sql);
      await (constraint ? expect(attempt).rejects.toThrow(constraint) : expect(attempt).rejects.toThrow());
    };
    await refused("UPDATE kinds_items SET status = 'gone' WHERE id = 1", /kinds_items_status_check/);
    await refused("UPDATE kinds_items SET level = 'Low' WHERE id = 1", /kinds_items_level_check/);
    const typed = backend.name === 'postgres' ? undefined : /kinds_items_active_type/;
    await refused('UPDATE kinds_items SET active = 2 WHERE id = 1', typed);
    if (backend.name === 'sqlite') {
      await refused("UPDATE kinds_items SET at = '2024-05-01 12:30' WHERE id = 1", /kinds_items_at_type/);
      await refused(
        'UPDATE kinds_items SET amount = 1000000000000000000 WHERE id = 1',
        /kinds_items_amount_type/,
      );
    }
    expect(await readAll(conn, Item)).toEqual(expected);
  });

  it.skipIf(backend.name !== 'sqlite')('SQLite refuses a decimal wider than 18 digits by name', async () => {
    const wide = kindsModel('postgres');
    await expect(conn.dialect.ddl({ kind: 'createTable', table: wide.table })).rejects.toThrow(DistdbError);
    await expect(conn.dialect.ddl({ kind: 'createTable', table: wide.table })).rejects.toThrow(
      /kinds_items\.amount: decimal\(30, 6\).*at most 18 digits/,
    );
  });
});
