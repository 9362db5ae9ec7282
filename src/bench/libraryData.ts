import { Generator } from '../examples/shop/generator.js';

/**
 * The records the library rows use, the same for distdb and the plain driver: valid generated
 * shop users, and orders pointing at them.
 */
export interface UserRecord {
  readonly id: number;
  readonly name: string;
  readonly email: string;
}

export interface OrderRecord {
  readonly id: number;
  readonly user_id: number;
  readonly product_id: number;
  readonly quantity: number;
}

/** A table as the plain driver writes it: its columns, and their PostgreSQL array types for unnest. */
export interface PlainTable {
  readonly name: string;
  readonly columns: readonly string[];
  readonly pgTypes: readonly string[];
}

export const USERS: PlainTable = {
  name: 'users',
  columns: ['id', 'name', 'email'],
  pgTypes: ['bigint', 'text', 'text'],
};

export const ORDERS: PlainTable = {
  name: 'orders',
  columns: ['id', 'user_id', 'product_id', 'quantity'],
  pgTypes: ['bigint', 'bigint', 'bigint', 'integer'],
};

/** Users 1..n, all valid (ids and emails distinct). */
export function userRecords(n: number): UserRecord[] {
  const gen = new Generator({ seed: 7, invalidRatio: 0, counts: { users: n } });
  return gen.rangeOf('users', 0, n).map((g) => g.record as UserRecord);
}

/** Products 1..n, all valid. */
export function productRecords(n: number): object[] {
  const gen = new Generator({ seed: 7, invalidRatio: 0, counts: { products: n } });
  return gen.rangeOf('products', 0, n).map((g) => g.record as object);
}

/** Users seeded for `find`: half as many as the orders found, each found order's user among them. */
export const seededUsers = (found: number) => Math.max(1, Math.floor(found / 2));
/** Orders seeded for `find`: twice the orders found. */
export const seededOrders = (found: number) => 2 * found;

/** Orders 1..n, each pointing at an existing user of 1..users (products are not read). */
export function orderRecords(n: number, users: number): OrderRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    user_id: 1 + ((i * 7919) % users),
    product_id: 1,
    quantity: 1 + (i % 5),
  }));
}

/** `found` distinct order ids out of the seeded ones, scattered (7919 is prime, so a permutation). */
export function orderIds(found: number): number[] {
  const of = seededOrders(found);
  return Array.from({ length: found }, (_, k) => 1 + ((k * 7919) % of));
}

/** A record as the plain driver binds it: its values in the table's column order. */
export function rowOf(table: PlainTable, record: object): unknown[] {
  const r = record as Record<string, unknown>;
  return table.columns.map((c) => r[c]);
}

/** Found records short of the ids asked for, plus those whose included `user` is missing. */
export function missingFound(ids: readonly number[], found: readonly Record<string, unknown>[]): number {
  return ids.length - found.length + found.filter((o) => o.user === null || o.user === undefined).length;
}

/**
 * `count` calls of `one(i)` from `n` concurrent callers, each taking the next index when its
 * previous call is done; resolves to the calls that did not succeed.
 */
export async function callers(
  n: number,
  count: number,
  one: (i: number) => Promise<boolean>,
): Promise<number> {
  let next = 0;
  let failed = 0;
  const caller = async () => {
    while (next < count) if (!(await one(next++))) failed++;
  };
  await Promise.all(Array.from({ length: n }, caller));
  return failed;
}
