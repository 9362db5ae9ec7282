/**
 * The values of field `key` a `where` limits records to, when it does: an equality or `in` on
 * the key, at the top or in an `and`; an `or` whose every branch does. Undefined: any value.
 * Only used to skip shards that cannot hold a match, so a superset is always correct.
 */
export function keysIn(where: unknown, key: string): unknown[] | undefined {
  if (typeof where !== 'object' || where === null || Array.isArray(where)) return undefined;
  const w = where as Record<string, unknown>;
  const own = conditionKeys(w[key]);
  if (own) return own;
  if (Array.isArray(w.and)) {
    for (const part of w.and) {
      const keys = keysIn(part, key);
      if (keys) return keys;
    }
  }
  if (Array.isArray(w.or) && w.or.length > 0) {
    const branches = w.or.map((part) => keysIn(part, key));
    if (branches.every((b) => b !== undefined)) return branches.flat();
  }
  return undefined;
}

function conditionKeys(condition: unknown): unknown[] | undefined {
  if (condition === undefined || condition === null) return undefined;
  if (typeof condition !== 'object' || condition instanceof Date) return [condition];
  const c = condition as Record<string, unknown>;
  if (c.eq !== undefined && c.eq !== null) return [c.eq];
  if (Array.isArray(c.in)) return c.in;
  return undefined;
}
