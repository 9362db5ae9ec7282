import { DistdbError } from '../errors.js';
import { parseDecimal } from '../schema/decimal.js';
import type { AnyField } from './fields.js';
import type { FieldDef } from './model.js';

/**
 * Table and field names: lower-case identifiers, the same on every backend whatever its case
 * rules (SQL words included: distdb quotes every name it writes).
 */
export const IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;
const MODEL_NAME = /^[A-Za-z][A-Za-z0-9]{0,39}$/;
/** The longest text a unique index holds on every backend (MySQL: 3072 bytes of utf8mb4). */
export const MAX_UNIQUE_TEXT = 768;
export const MAX_PRECISION = 38;

function fail(model: string, problem: string): never {
  throw new DistdbError('config', `model ${model}: ${problem}`);
}

export function checkDeclaration(d: { name: unknown; table: unknown; fields: unknown }): void {
  const name = typeof d.name === 'string' ? d.name : '?';
  if (!MODEL_NAME.test(name))
    fail(name, 'name must be at most 40 letters and digits, starting with a letter');
  if (typeof d.table !== 'string' || !IDENTIFIER.test(d.table)) {
    fail(name, `table "${String(d.table)}" must be lower-case letters, digits and _, starting with a letter`);
  }
  if (d.table.startsWith('distdb_')) fail(name, `table names starting with distdb_ are distdb's own`);
  if (typeof d.fields !== 'object' || d.fields === null) fail(name, 'fields must be an object');
  const fields = Object.values(d.fields as Record<string, AnyField>);
  const ids = fields.filter((f) => f?.kind?.kind === 'id').length;
  if (ids !== 1) fail(name, `needs exactly one f.id() field, has ${ids}`);
}

function checkNumbers(where: string, f: AnyField): void {
  const k = f.kind;
  if (k.kind === 'integer') {
    for (const b of [k.min, k.max])
      if (b !== undefined && !Number.isSafeInteger(b)) fail(where, `min and max must be integers`);
    if (k.min !== undefined && k.max !== undefined && k.min > k.max) fail(where, 'min is above max');
  }
  if (k.kind === 'decimal') {
    if (!Number.isInteger(k.precision) || k.precision < 1 || k.precision > MAX_PRECISION) {
      fail(where, `precision must be 1 to ${MAX_PRECISION}`);
    }
    if (!Number.isInteger(k.scale) || k.scale < 0 || k.scale > k.precision) {
      fail(where, 'scale must be 0 to the precision');
    }
    for (const b of [k.min, k.max]) {
      if (b !== undefined && (typeof b !== 'string' || 'error' in parseDecimal(b, k.scale))) {
        fail(where, `min and max must be decimal strings with at most ${k.scale} places`);
      }
    }
  }
}

function checkText(where: string, f: AnyField): void {
  const k = f.kind;
  const max = k.kind === 'text' || k.kind === 'email' ? k.maxLength : undefined;
  if (k.kind === 'text') {
    if (!Number.isInteger(k.minLength) || k.minLength < 0) fail(where, 'minLength must be a whole number');
    if (max !== undefined && (!Number.isInteger(max) || max < Math.max(1, k.minLength))) {
      fail(where, 'maxLength must be a whole number, at least minLength and 1');
    }
    if (k.pattern !== undefined) {
      try {
        new RegExp(k.pattern, 'u');
      } catch {
        fail(where, `pattern ${k.pattern} is not a valid regular expression`);
      }
    }
  }
  if (f.options.unique && (k.kind === 'text' || k.kind === 'email') && (max ?? Infinity) > MAX_UNIQUE_TEXT) {
    fail(where, `a unique text field needs maxLength at most ${MAX_UNIQUE_TEXT}`);
  }
  if (k.kind === 'enum') {
    if (
      k.values.length === 0 ||
      new Set(k.values).size !== k.values.length ||
      k.values.some((v) => v === '')
    ) {
      fail(where, 'enum values must be distinct, non-empty texts');
    }
  }
}

const ON_DELETE = ['restrict', 'cascade', 'setNull'];

function checkRelation(where: string, f: AnyField): void {
  const { as, onDelete } = f.options;
  if (f.kind.kind !== 'reference') {
    if (as !== undefined || onDelete !== undefined) fail(where, 'as and onDelete are options of f.ref');
    return;
  }
  if (as !== undefined && (typeof as !== 'string' || !IDENTIFIER.test(as) || as === 'or' || as === 'and'))
    fail(where, 'as must be lower-case letters, digits and _ (not or, and)');
  if (onDelete !== undefined && !ON_DELETE.includes(onDelete))
    fail(where, `onDelete must be ${ON_DELETE.join(', ')}`);
  if (onDelete === 'setNull' && !f.options.optional)
    fail(where, "onDelete: 'setNull' needs an optional reference");
}

/** Relation names are distinct and differ from field names (a record holds both). */
export function checkRelationNames(model: string, fields: readonly FieldDef[]): void {
  const names = new Set(fields.map((f) => f.name));
  const seen = new Set<string>();
  for (const f of fields) {
    const name = f.relation?.name;
    if (name === undefined) continue;
    if (names.has(name)) fail(`${model}.${f.name}`, `relation "${name}" has the name of a field (set as)`);
    if (seen.has(name)) fail(`${model}.${f.name}`, `relation "${name}" is named twice (set as)`);
    seen.add(name);
  }
}

export function checkField(model: string, name: string, f: AnyField): void {
  const where = `${model}.${name}`;
  if (!IDENTIFIER.test(name)) fail(model, `field "${name}" must be lower-case letters, digits and _`);
  if (typeof f !== 'object' || f === null || typeof f.kind?.kind !== 'string') {
    fail(model, `field "${name}" must be declared with f (f.text(), f.integer(), …)`);
  }
  if (f.options.unique === 'ci' && f.kind.kind !== 'text' && f.kind.kind !== 'email') {
    fail(where, `unique: 'ci' is for text and email fields`);
  }
  if (f.options.optional && f.options.unique) fail(where, 'a unique field cannot be optional');
  if (f.kind.kind === 'reference' && !f.target) fail(where, 'f.ref needs the referenced model');
  checkRelation(where, f);
  checkNumbers(where, f);
  checkText(where, f);
}
