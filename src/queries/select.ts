import { DistdbError } from '../errors.js';
import type { AnyModel } from '../models/model.js';
import { toRecord } from '../models/toRecord.js';
import { type Access, build, run } from './context.js';
import { fieldOf } from './values.js';
import { whereExpression } from './where.js';

export type OrderBy<R> = readonly { readonly [K in keyof R]?: 'asc' | 'desc' }[];

export interface FindOptions {
  readonly where?: unknown;
  readonly orderBy?: unknown;
  readonly limit?: number;
  readonly offset?: number;
  readonly include?: readonly string[];
  /** Text ordered byte for byte whatever the collation, for results merged across databases. */
  readonly binaryText?: boolean;
}

const TEXT_KINDS = new Set(['text', 'email', 'enum']);

function kindOf(model: AnyModel, field: string): string | undefined {
  return model.fields.find((f) => f.name === field)?.type.kind;
}

// LIMIT is required before OFFSET on SQLite and MySQL: "all of them".
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/**
 * Records of `model` in one database, ordered (always ending by primary key). Absent values come
 * first in ascending order and last in descending order, on every backend.
 */
export async function selectRecords(
  access: Access,
  model: AnyModel,
  options: FindOptions,
): Promise<Record<string, unknown>[]> {
  const order = orderTerms(model, options.orderBy);
  const limit = count('limit', options.limit);
  const offset = count('offset', options.offset);
  const q = await build(access, (k, sql) => {
    let s = k.selectFrom(model.table.name).selectAll();
    if (options.where !== undefined)
      s = s.where((eb) => whereExpression(eb, model, access.conn, options.where));
    for (const [field, direction] of order) {
      if (model.fields.find((f) => f.name === field)?.optional)
        s = s.orderBy(sql`${sql.ref(field)} is null`, direction === 'asc' ? 'desc' : 'asc');
      s = s.orderBy(
        options.binaryText && TEXT_KINDS.has(kindOf(model, field) ?? '')
          ? sql.raw(access.conn.dialect.binaryOrder(field))
          : field,
        direction,
      );
    }
    if (limit !== undefined || offset !== undefined) s = s.limit(limit ?? NO_LIMIT).offset(offset ?? 0);
    const lock = access.lockReads ? access.conn.dialect.updateLock : '';
    return lock ? s.modifyEnd(sql.raw(lock)) : s;
  });
  const { rows } = await run(access, q);
  return rows.map((r) => toRecord(model, r, access.conn) as Record<string, unknown>);
}

export function count(name: string, n: number | undefined): number | undefined {
  if (n === undefined) return undefined;
  if (!Number.isSafeInteger(n) || n < 0)
    throw new DistdbError('usage', `${name} must be a whole number, got ${n}`);
  return n;
}

/** `[{score: 'desc'}, {id: 'asc'}]` as (field, direction) pairs, then the primary key if absent. */
export function orderTerms(model: AnyModel, orderBy: unknown): [string, 'asc' | 'desc'][] {
  const terms: [string, 'asc' | 'desc'][] = [];
  const list = orderBy === undefined ? [] : Array.isArray(orderBy) ? orderBy : [orderBy];
  for (const [i, term] of list.entries()) {
    const at = `orderBy[${i}]`;
    if (typeof term !== 'object' || term === null)
      throw new DistdbError('usage', `${at} must be {field: 'asc' | 'desc'}`);
    for (const [name, direction] of Object.entries(term)) {
      fieldOf(model, name, at);
      if (direction !== 'asc' && direction !== 'desc')
        throw new DistdbError('usage', `${at}.${name} must be 'asc' or 'desc'`);
      terms.push([name, direction]);
    }
  }
  // A stable order, so that limit and offset page through every record once.
  const key = model.table.primaryKey;
  if (!terms.some(([name]) => name === key)) terms.push([key, 'asc']);
  return terms;
}
