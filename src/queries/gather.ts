import type { AnyModel } from '../models/model.js';
import type { Access } from './context.js';
import { count, type FindOptions, orderTerms, selectRecords } from './select.js';

type Rec = Record<string, unknown>;

/**
 * Records of `model` from several databases (the shards a query may touch), merged into the
 * order one database would give them: each is asked for its first offset + limit records in
 * that order, in parallel, and offset and limit then apply to the merged list. Text is ordered
 * byte for byte in each (code point order), whatever each database's collation.
 */
export async function gatherRecords(
  accesses: readonly Access[],
  model: AnyModel,
  options: FindOptions,
  owned?: (alias: string) => ((r: Rec) => boolean) | undefined,
): Promise<Rec[]> {
  const limit = count('limit', options.limit);
  const offset = count('offset', options.offset) ?? 0;
  const each = limit === undefined ? undefined : Math.min(Number.MAX_SAFE_INTEGER, limit + offset);
  const asked = { where: options.where, orderBy: options.orderBy, binaryText: true };
  const lists = await Promise.all(accesses.map((a) => ownedRecords(a, model, asked, each, owned?.(a.alias))));
  const merged = lists.flat().sort(comparator(model, orderTerms(model, options.orderBy)));
  return merged.slice(offset, limit === undefined ? undefined : offset + limit);
}

/**
 * The first `each` records of one database in the query's order; with `keep`, of those it
 * keeps (the rest moved to another shard): asked for twice as many until enough are kept or
 * the database has no more.
 */
async function ownedRecords(
  access: Access,
  model: AnyModel,
  options: FindOptions,
  each: number | undefined,
  keep: ((r: Rec) => boolean) | undefined,
): Promise<Rec[]> {
  if (!keep) return selectRecords(access, model, { ...options, limit: each });
  for (let ask = each; ; ask = Math.min(Number.MAX_SAFE_INTEGER, (ask as number) * 2)) {
    const rows = await selectRecords(access, model, { ...options, limit: ask });
    const kept = rows.filter(keep);
    if (ask === undefined || each === undefined || rows.length < ask || kept.length >= each)
      return kept.slice(0, each);
  }
}

/** The order selectRecords asks of a database, as a comparison of records read back. */
function comparator(model: AnyModel, terms: [string, 'asc' | 'desc'][]): (a: Rec, b: Rec) => number {
  const compare = terms.map(([name, direction]) => {
    const kind = model.fields.find((f) => f.name === name)?.type.kind;
    const sign = direction === 'asc' ? 1 : -1;
    return (a: Rec, b: Rec) => sign * compareValues(kind, a[name], b[name]);
  });
  return (a, b) => {
    for (const c of compare) {
      const d = c(a, b);
      if (d !== 0) return d;
    }
    return 0;
  };
}

/** Absent first; decimals by value; text by code point, as a binary collation orders it. */
function compareValues(kind: string | undefined, a: unknown, b: unknown): number {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  if (kind === 'decimal')
    return sign(BigInt(String(a).replace('.', '')) - BigInt(String(b).replace('.', '')));
  if (typeof a === 'string' && typeof b === 'string') return codePointOrder(a, b);
  return sign(Number(a) - Number(b));
}

function sign(n: number | bigint): number {
  return n > 0 ? 1 : n < 0 ? -1 : 0;
}

function codePointOrder(a: string, b: string): number {
  if (a === b) return 0;
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0);
    if (d !== 0) return sign(d);
  }
  return sign(x.length - y.length);
}
