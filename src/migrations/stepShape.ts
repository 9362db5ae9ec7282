import { IDENTIFIER } from '../models/checkDeclaration.js';
import type { SchemaOperation } from '../schema/operations.js';
import type { CheckDef, ColumnDef, ColumnType, IndexDef, TableDef, UniqueDef } from '../schema/tableDef.js';
import { inexactNumberText, isInexactNumber } from '../util/jsonText.js';
import type { MigrationStep } from './migrations.js';

/** A value of a migration file that is not what its place needs; `path` leads to it. */
export class ShapeError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

type Obj = Record<string, unknown>;

const MODEL_LABEL = /^[A-Za-z][A-Za-z0-9]{0,62}$/;
const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;

export const STEP_KINDS = [
  'createTable',
  'dropTable',
  'addColumn',
  'dropColumn',
  'addUnique',
  'dropUnique',
  'createIndex',
  'dropIndex',
  'recreateUnique',
] as const;

const COLUMN_KINDS = [
  'bigint',
  'integer',
  'decimal',
  'varchar',
  'text',
  'double',
  'serial',
  'boolean',
  'timestamp',
];

/** The object at `path`, with only the keys listed (required ones first, then optional ones). */
function obj(v: unknown, path: string, required: readonly string[], optional: readonly string[] = []): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || isInexactNumber(v))
    throw new ShapeError(path, 'must be an object');
  const o = v as Obj;
  for (const k of required) if (!(k in o)) throw new ShapeError(path, `"${k}" is missing`);
  for (const k of Object.keys(o))
    if (!required.includes(k) && !optional.includes(k))
      throw new ShapeError(path, `unknown key "${k}" (allowed: ${[...required, ...optional].join(', ')})`);
  return o;
}

function list(v: unknown, path: string, nonEmpty = false): unknown[] {
  if (!Array.isArray(v)) throw new ShapeError(path, 'must be an array');
  if (nonEmpty && v.length === 0) throw new ShapeError(path, 'must not be empty');
  return v;
}

function ident(v: unknown, path: string): string {
  if (typeof v !== 'string' || !IDENTIFIER.test(v))
    throw new ShapeError(path, 'must be a name of lower-case letters, digits and _, starting with a letter');
  return v;
}

function text(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new ShapeError(path, 'must be a string');
  return v;
}

function whole(v: unknown, path: string, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
    throw new ShapeError(path, `must be a whole number, at least ${min}`);
  return v;
}

function flag(o: Obj, key: string, path: string): { [k: string]: true } {
  const v = o[key];
  if (v === undefined || v === false) return {};
  if (v !== true) throw new ShapeError(`${path}.${key}`, 'must be true or false');
  return { [key]: true };
}

/** A number a check compares with: a JSON number, or a decimal in a string. */
function bound(o: Obj, key: string, path: string): { [k: string]: number | string } {
  const v = o[key];
  if (v === undefined) return {};
  if (typeof v === 'number' || (typeof v === 'string' && DECIMAL_TEXT.test(v))) return { [key]: v };
  throw new ShapeError(`${path}.${key}`, 'must be a number or a decimal string');
}

/** A stored default: text, a number, or an integer too large for a double (kept exact, as bigint). */
function defaultValue(v: unknown, path: string): string | number | bigint {
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (isInexactNumber(v) && /^-?\d+$/.test(inexactNumberText(v))) return BigInt(inexactNumberText(v));
  throw new ShapeError(path, 'must be a string or an exact number');
}

function columnType(v: unknown, path: string): ColumnType {
  const kind = obj(v, path, ['kind'], ['precision', 'scale', 'length']).kind;
  if (typeof kind !== 'string' || !COLUMN_KINDS.includes(kind))
    throw new ShapeError(`${path}.kind`, `must be one of ${COLUMN_KINDS.join(', ')}`);
  if (kind === 'decimal') {
    const o = obj(v, path, ['kind', 'precision', 'scale']);
    const precision = whole(o.precision, `${path}.precision`, 1);
    const scale = whole(o.scale, `${path}.scale`, 0);
    if (scale > precision) throw new ShapeError(`${path}.scale`, 'must be at most the precision');
    return { kind, precision, scale };
  }
  if (kind === 'varchar') {
    return { kind, length: whole(obj(v, path, ['kind', 'length']).length, `${path}.length`, 1) };
  }
  obj(v, path, ['kind']);
  return { kind } as ColumnType;
}

function column(v: unknown, path: string): ColumnDef {
  const o = obj(v, path, ['name', 'type'], ['nullable', 'caseInsensitive', 'default']);
  return {
    name: ident(o.name, `${path}.name`),
    type: columnType(o.type, `${path}.type`),
    ...flag(o, 'nullable', path),
    ...flag(o, 'caseInsensitive', path),
    ...(o.default === undefined ? {} : { default: defaultValue(o.default, `${path}.default`) }),
  };
}

function check(v: unknown, path: string): CheckDef {
  const kind = obj(v, path, ['kind', 'column'], ['min', 'max', 'values']).kind;
  if (kind === 'range') {
    const o = obj(v, path, ['kind', 'column'], ['min', 'max']);
    return {
      kind,
      column: ident(o.column, `${path}.column`),
      ...bound(o, 'min', path),
      ...bound(o, 'max', path),
    };
  }
  if (kind === 'trimmedLength') {
    const o = obj(v, path, ['kind', 'column', 'min', 'max']);
    const [min, max] = [whole(o.min, `${path}.min`, 0), whole(o.max, `${path}.max`, 1)];
    return { kind, column: ident(o.column, `${path}.column`), min, max };
  }
  if (kind === 'oneOf') {
    const o = obj(v, path, ['kind', 'column', 'values']);
    const values = list(o.values, `${path}.values`, true).map((x, i) => text(x, `${path}.values[${i}]`));
    return { kind, column: ident(o.column, `${path}.column`), values };
  }
  throw new ShapeError(`${path}.kind`, 'must be range, trimmedLength or oneOf');
}

function unique(v: unknown, path: string): UniqueDef {
  const o = obj(v, path, ['name', 'column'], ['caseInsensitive']);
  return {
    name: ident(o.name, `${path}.name`),
    column: ident(o.column, `${path}.column`),
    ...flag(o, 'caseInsensitive', path),
  };
}

function index(v: unknown, path: string): IndexDef {
  const o = obj(v, path, ['name', 'columns']);
  const columns = list(o.columns, `${path}.columns`, true).map((c, i) => ident(c, `${path}.columns[${i}]`));
  return { name: ident(o.name, `${path}.name`), columns };
}

/** Every column a table's keys, checks and indexes name is one of its columns. */
function checkColumns(t: TableDef, path: string): void {
  const names = t.columns.map((c) => c.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new ShapeError(`${path}.columns`, `column "${dup}" appears more than once`);
  const named = [
    ['primaryKey', t.primaryKey],
    ...(t.checks ?? []).map((c, i) => [`checks[${i}].column`, c.column]),
    ...(t.uniques ?? []).map((u, i) => [`uniques[${i}].column`, u.column]),
    ...(t.indexes ?? []).flatMap((x, i) => x.columns.map((c, j) => [`indexes[${i}].columns[${j}]`, c])),
  ];
  for (const [where, name] of named)
    if (!names.includes(name as string)) throw new ShapeError(`${path}.${where}`, `no column "${name}"`);
}

function table(v: unknown, path: string): TableDef {
  const o = obj(v, path, ['name', 'columns', 'primaryKey'], ['checks', 'uniques', 'indexes']);
  const t: TableDef = {
    name: ident(o.name, `${path}.name`),
    columns: list(o.columns, `${path}.columns`, true).map((c, i) => column(c, `${path}.columns[${i}]`)),
    primaryKey: ident(o.primaryKey, `${path}.primaryKey`),
    ...(o.checks === undefined
      ? {}
      : { checks: list(o.checks, `${path}.checks`).map((c, i) => check(c, `${path}.checks[${i}]`)) }),
    ...(o.uniques === undefined
      ? {}
      : { uniques: list(o.uniques, `${path}.uniques`).map((u, i) => unique(u, `${path}.uniques[${i}]`)) }),
    ...(o.indexes === undefined
      ? {}
      : { indexes: list(o.indexes, `${path}.indexes`).map((x, i) => index(x, `${path}.indexes[${i}]`)) }),
  };
  checkColumns(t, path);
  return t;
}

/** The step's own keys (model and kind aside) and how each is read. */
const STEP_KEYS: Record<
  (typeof STEP_KINDS)[number],
  Record<string, (v: unknown, path: string) => unknown>
> = {
  createTable: { table },
  dropTable: { table: ident },
  addColumn: { table: ident, column, checks: (v, p) => list(v, p).map((c, i) => check(c, `${p}[${i}]`)) },
  dropColumn: { table: ident, column: ident, result: table },
  addUnique: { table: ident, unique },
  dropUnique: { table: ident, unique },
  createIndex: { table: ident, index },
  dropIndex: { table: ident, index },
  recreateUnique: { table: ident, unique },
};

function step(v: unknown, path: string): MigrationStep {
  const head = obj(v, path, ['model', 'kind'], ['table', 'column', 'checks', 'result', 'unique', 'index']);
  if (typeof head.model !== 'string' || !MODEL_LABEL.test(head.model))
    throw new ShapeError(
      `${path}.model`,
      'must be a model name (letters and digits, starting with a letter)',
    );
  const kind = head.kind as (typeof STEP_KINDS)[number];
  if (!STEP_KINDS.includes(kind))
    throw new ShapeError(
      `${path}.kind`,
      `unknown step "${String(head.kind)}" (known: ${STEP_KINDS.join(', ')})`,
    );
  const readers = STEP_KEYS[kind];
  const optional = kind === 'addColumn' ? ['checks'] : [];
  const keys = Object.keys(readers).filter((k) => !optional.includes(k));
  const o = obj(v, path, ['model', 'kind', ...keys], optional);
  const out: Obj = { model: head.model, kind };
  for (const [key, read] of Object.entries(readers))
    if (o[key] !== undefined) out[key] = read(o[key], `${path}.${key}`);
  const name = typeof out.table === 'string' ? out.table : (out.table as TableDef).name;
  if (name.startsWith('distdb_'))
    throw new ShapeError(`${path}.table`, `tables starting with distdb_ are distdb's own`);
  return out as SchemaOperation & { model: string };
}

/** The steps of a parsed migration file, checked: `{ "operations": [ { "model", "kind", … } ] }`. */
export function stepsOf(doc: unknown): MigrationStep[] {
  const o = obj(doc, 'the file', ['operations']);
  return list(o.operations, 'operations', true).map((s, i) => step(s, `operations[${i}]`));
}
