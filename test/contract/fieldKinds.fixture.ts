import { type AnyModel, type Connection, defineModel, f, type Row, toRecord, validateRecord } from 'distdb';
import { expect } from 'vitest';

/**
 * A model with a field of every kind, for the field kinds and schema operation contracts. SQLite
 * holds decimals of at most 18 digits; the servers get a 30-digit one.
 */
export function kindsModel(backend: string) {
  const wide = backend !== 'sqlite';
  const Author = defineModel({ name: 'Author', table: 'kinds_authors', fields: { id: f.id() } });
  return defineModel({
    name: 'Item',
    table: 'kinds_items',
    fields: {
      id: f.id(),
      qty: f.integer({ min: 0, max: 1000 }),
      name: f.text({ minLength: 2, maxLength: 40, trim: true, pattern: /^[^<>]*$/ }),
      email: f.email({ unique: 'ci' }),
      amount: wide
        ? f.decimal({ precision: 30, scale: 6, min: '-100000000000000000000000' })
        : f.decimal({ precision: 18, scale: 4, min: '-10000000000000' }),
      active: f.boolean(),
      at: f.timestamp(),
      status: f.enum(['draft', 'live', "it's", 'back\\slash']),
      author_id: f.ref(Author),
      note: f.text({ optional: true, maxLength: 200 }),
      fee: f.decimal({ precision: 10, scale: 2, default: '2.50' }),
      flag: f.boolean({ default: true }),
      since: f.timestamp({ default: '2020-01-01T02:00:00+02:00' }),
      level: f.enum(['low', 'high'], { default: 'low' }),
    },
  });
}

type Rec = Record<string, unknown>;

/** Records as given (offsets, defaults left out) and as they must read back. */
export function kindsRecords(backend: string): { input: Rec[]; expected: Rec[] } {
  const wide = backend !== 'sqlite';
  const defaults = { note: null, fee: '2.50', flag: true, since: '2020-01-01T00:00:00.000Z', level: 'low' };
  const base = { qty: 5, name: 'Thing', author_id: 7, active: true, status: 'live' };
  const input: Rec[] = [
    {
      ...base,
      id: 1,
      qty: 0,
      name: '  Widget  ',
      email: 'Ann@Example.com',
      amount: wide ? '123456789012.345678' : '12345678901234.5678',
      at: '2024-05-01T14:30:00.250+02:00',
      status: "it's",
      note: 'first',
      fee: '9.99',
      flag: false,
      since: '2024-12-31T23:59:59.999Z',
      level: 'high',
    },
    {
      ...base,
      id: 2,
      qty: 1000,
      name: 'Gadget',
      email: 'bob@example.com',
      amount: wide ? '-99999999999999999999999.999999' : '-9999999999999.9999',
      active: false,
      at: '2024-01-01T00:00:00Z',
      status: 'back\\slash',
    },
    { ...base, id: 3, email: 'cy@example.com', amount: 0.01, at: '1999-12-31T23:30:00-05:30' },
  ];
  const expected: Rec[] = [
    { ...input[0], at: '2024-05-01T12:30:00.250Z' },
    { ...defaults, ...input[1], at: '2024-01-01T00:00:00.000Z' },
    {
      ...defaults,
      ...input[2],
      amount: wide ? '0.010000' : '0.0100',
      at: '2000-01-01T05:00:00.000Z',
    },
  ];
  return { input, expected };
}

/** The record's row in storage form, as distdb writes it (validated first). */
export function storedRow(model: AnyModel, record: Rec): Row {
  const v = validateRecord(model, record);
  expect(v.issues).toEqual([]);
  return v.row;
}

/** Every row of the model's table, read back as records. */
export async function readAll(conn: Connection, model: AnyModel): Promise<Rec[]> {
  const rows = await conn.query(`SELECT * FROM ${model.table.name} ORDER BY id`);
  return rows.map((r) => toRecord(model, r, conn) as Rec);
}

/** Each statement of the step in one transaction, as the migrator applies it. */
export async function applyStep(conn: Connection, sql: readonly string[]): Promise<void> {
  await conn.transaction(async (tx) => {
    for (const s of sql) await tx.execute(s);
  });
}

/** The table's DDL as the migrator would run it, then the given rows. */
export async function createWithRows(conn: Connection, model: AnyModel, records: Rec[]): Promise<void> {
  await applyStep(conn, await conn.dialect.ddl({ kind: 'createTable', table: model.table }));
  const writes = await conn.insertBatch(
    model.table,
    records.map((r) => storedRow(model, r)),
  );
  expect(writes).toEqual(records.map(() => ({ ok: true })));
}
