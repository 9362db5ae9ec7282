import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { AnyDatabase, Connection } from '../db/dialect.js';
import { DistdbError } from '../errors.js';
import type { AnyModel, FieldDef } from '../models/model.js';
import { fieldOf, queryValue } from './values.js';

/** What a field is compared with: a value (equality), null (absence), or operators, all of which hold. */
export type Condition<V> =
  | V
  | null
  | {
      readonly eq?: V | null;
      readonly ne?: V | null;
      readonly gt?: V;
      readonly gte?: V;
      readonly lt?: V;
      readonly lte?: V;
      readonly in?: readonly V[];
      /** SQL LIKE: `%` any text, `_` one character. Case sensitivity is the backend's. */
      readonly like?: string;
      readonly isNull?: boolean;
    };

/** Conditions on fields, all of which hold; `or` / `and` combine further conditions. */
export type Where<I> = { readonly [K in keyof I]?: Condition<NonNullable<I[K]>> } & {
  readonly or?: readonly Where<I>[];
  readonly and?: readonly Where<I>[];
};

type Builder = ExpressionBuilder<AnyDatabase, string>;
type Bool = Expression<SqlBool>;

const OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'like', 'isNull'] as const;
const COMPARISONS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/** The SQL condition of `where` (everything it says holds), its values checked against the fields. */
export function whereExpression(
  eb: Builder,
  model: AnyModel,
  conn: Connection,
  where: unknown,
  at = 'where',
): Bool {
  if (typeof where !== 'object' || where === null || Array.isArray(where)) {
    throw new DistdbError('usage', `${at} must be an object of field conditions`);
  }
  const parts: Bool[] = [];
  for (const [key, condition] of Object.entries(where)) {
    if (condition === undefined) continue;
    if (key === 'or' || key === 'and') {
      if (!Array.isArray(condition))
        throw new DistdbError('usage', `${at}.${key} must be a list of conditions`);
      const each = condition.map((w, i) => whereExpression(eb, model, conn, w, `${at}.${key}[${i}]`));
      parts.push(key === 'or' ? eb.or(each) : eb.and(each));
      continue;
    }
    const field = fieldOf(model, key, at);
    parts.push(...fieldConditions(eb, { model, conn, field, at: `${at}.${key}` }, condition));
  }
  return eb.and(parts);
}

interface Target {
  readonly model: AnyModel;
  readonly conn: Connection;
  readonly field: FieldDef;
  readonly at: string;
}

function isOperators(c: unknown): c is Record<string, unknown> {
  return typeof c === 'object' && c !== null && !(c instanceof Date) && !Array.isArray(c);
}

function fieldConditions(eb: Builder, t: Target, condition: unknown): Bool[] {
  const column = t.field.name;
  if (!isOperators(condition)) return [equals(eb, t, condition)];
  const parts: Bool[] = [];
  for (const [op, v] of Object.entries(condition)) {
    if (v === undefined) continue;
    const value = (x: unknown) => queryValue(t.conn, t.model, t.field, x, t.at);
    switch (op) {
      case 'eq':
        parts.push(equals(eb, t, v));
        break;
      case 'ne':
        // Like Django's exclude(): a record without a value is not equal to one.
        parts.push(
          v === null
            ? eb(column, 'is not', null)
            : eb.or([eb(column, '<>', value(v)), eb(column, 'is', null)]),
        );
        break;
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte':
        parts.push(eb(column, COMPARISONS[op], value(v)));
        break;
      case 'in':
        if (!Array.isArray(v)) throw new DistdbError('usage', `${t.at}.in must be a list`);
        parts.push(inList(eb, t, v, value));
        break;
      case 'like':
        if (typeof v !== 'string') throw new DistdbError('usage', `${t.at}.like must be a string`);
        parts.push(eb(column, 'like', v));
        break;
      case 'isNull':
        if (typeof v !== 'boolean') throw new DistdbError('usage', `${t.at}.isNull must be true or false`);
        parts.push(eb(column, v ? 'is' : 'is not', null));
        break;
      default:
        throw new DistdbError(
          'usage',
          `${t.at}: unknown operator "${op}" (operators: ${OPERATORS.join(', ')})`,
        );
    }
  }
  return parts;
}

/** Values an `in` list binds as parameters; a longer list of integers is written as literals. */
const BOUND_IN_LIST = 1_000;
/** Bound values have a limit per statement (SQLite: 32,766; PostgreSQL: 65,535). */
const MAX_BOUND_IN_LIST = 30_000;
const INTEGER_KINDS = new Set(['id', 'integer', 'reference']);

/**
 * `column IN (…)`. A list of integers of any length fits every backend: past BOUND_IN_LIST its
 * values (validated safe integers) are written into the SQL. Other lists are bound, so they
 * have a limit, which a longer one is refused with.
 */
function inList(eb: Builder, t: Target, list: readonly unknown[], value: (x: unknown) => unknown): Bool {
  if (list.length === 0) return eb.or([]);
  const column = t.field.name;
  if (list.length > BOUND_IN_LIST && INTEGER_KINDS.has(t.field.type.kind)) {
    return eb(
      column,
      'in',
      list.map((x) => {
        value(x); // validates it: a safe integer
        return eb.lit(x as number);
      }),
    );
  }
  if (list.length > MAX_BOUND_IN_LIST) {
    throw new DistdbError(
      'usage',
      `${t.at}.in: at most ${MAX_BOUND_IN_LIST} values for a ${t.field.type.kind} field, got ${list.length} (lists of integers may be of any length)`,
    );
  }
  return eb(column, 'in', list.map(value));
}

function equals(eb: Builder, t: Target, v: unknown): Bool {
  if (v === null) return eb(t.field.name, 'is', null);
  return eb(t.field.name, '=', queryValue(t.conn, t.model, t.field, v, t.at));
}
