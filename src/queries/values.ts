import type { Connection, SqlValue } from '../db/dialect.js';
import { DistdbError } from '../errors.js';
import { describe } from '../models/checkValue.js';
import type { AnyModel, FieldDef } from '../models/model.js';
import { parseTimestamp } from '../models/timestamp.js';
import { parseDecimal } from '../schema/decimal.js';

/** The field `name` of `model`; a usage error naming it (and where it was used) if there is none. */
export function fieldOf(model: AnyModel, name: string, where: string): FieldDef {
  const field = model.fields.find((f) => f.name === name);
  if (!field) {
    const names = model.fields.map((f) => f.name).join(', ');
    throw new DistdbError('usage', `${where}: ${model.label} has no field "${name}" (fields: ${names})`);
  }
  return field;
}

/**
 * A value to compare `field` with, in storage form (what the column holds), as the backend's
 * driver takes it. Values are not checked against the field's rules: `price > 0` is a fine
 * question even where prices start at 1.
 */
export function queryValue(
  conn: Connection,
  model: AnyModel,
  field: FieldDef,
  value: unknown,
  where: string,
): unknown {
  const column = model.table.columns.find((c) => c.name === field.name);
  if (!column) throw new DistdbError('usage', `${where}: ${model.label}.${field.name} has no column`);
  return conn.encodeParam(column, storedValue(field, value, `${where}: ${model.label}.${field.name}`));
}

function storedValue(field: FieldDef, value: unknown, at: string): SqlValue {
  const bad = (what: string) => new DistdbError('usage', `${at} ${what}, got ${describe(value)}`);
  switch (field.type.kind) {
    case 'id':
    case 'integer':
    case 'reference':
      if (typeof value !== 'number' || !Number.isSafeInteger(value))
        throw bad('must be compared with an integer');
      return value;
    case 'text':
    case 'email':
    case 'enum':
      if (typeof value !== 'string') throw bad('must be compared with a string');
      return value;
    case 'decimal': {
      const r = parseDecimal(value, field.type.scale);
      if ('error' in r) throw bad(`must be compared with a decimal of at most ${field.type.scale} decimals`);
      return r.minor;
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw bad('must be compared with true or false');
      return value ? 1 : 0;
    case 'timestamp': {
      const t = typeof value === 'string' || value instanceof Date ? parseTimestamp(value) : undefined;
      if (!t || !('iso' in t)) throw bad('must be compared with an ISO-8601 timestamp or a Date');
      return t.iso;
    }
  }
}
