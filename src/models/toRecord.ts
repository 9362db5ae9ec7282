import type { Connection, Row, SqlValue } from '../db/dialect.js';
import { formatMinorUnits } from '../schema/decimal.js';
import type { FieldDef, Model } from './model.js';
import { parseTimestamp } from './timestamp.js';

function fromStored(field: FieldDef, v: unknown, conn: Pick<Connection, 'decodeDecimal'>): unknown {
  if (v === null || v === undefined) return null;
  switch (field.type.kind) {
    // Minor units come back exact (a bigint beyond 2^53), so the text is exact at any precision.
    case 'decimal':
      return formatMinorUnits(conn.decodeDecimal(v as SqlValue, field.type.scale), field.type.scale);
    case 'text':
    case 'email':
    case 'enum':
      return String(v);
    // Stored as 0/1 (or the backend's boolean): true or false, never a number.
    case 'boolean':
      return v === true || v === 1 || v === 1n || v === '1' || v === 't';
    // Every connection reads timestamps back as UTC ISO text; a Date (from a raw driver) too.
    case 'timestamp': {
      const t = parseTimestamp(v instanceof Date ? v : String(v));
      return 'iso' in t ? t.iso : String(v);
    }
    default:
      return Number(v);
  }
}

/** Stored row → record as users see it: exact decimal strings, booleans, ISO timestamps. */
export function toRecord<R, I>(model: Model<R, I>, row: Row, conn: Pick<Connection, 'decodeDecimal'>): R {
  const out: Record<string, unknown> = {};
  for (const f of model.fields) {
    const v = fromStored(f, row[f.name], conn);
    // Optional fields read back as null; required ones always hold a value.
    out[f.name] = v;
  }
  return out as R;
}
