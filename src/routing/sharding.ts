import type { Router, Shards } from './router.js';
import { FALLBACK_ALIAS } from './routerChain.js';

/** One range of a range-sharded model: keys below `below` (the last range: every key left). */
export interface ShardRange {
  readonly below?: number;
  readonly database: string;
}

/**
 * How one model is spread over databases. `hash`: a stable hash of the key picks one of
 * `databases` (see shardIndex); `range`: the first range whose `below` is above the key.
 * `index`: the database of its global unique index (default `default`).
 */
export type ShardingRule = {
  readonly key: string;
  readonly index?: string;
  /** The layout's version: 1 as configured, one more at each reshard (kept in `default`). */
  readonly version?: number;
  /** Set while moved rows are still in their old shards, after a reshard's switch. */
  readonly strays?: boolean;
  /** While a reshard copies: the databases of the layout it moves to, migrated before it copies. */
  readonly next?: readonly string[];
} & (
  | { readonly strategy: 'hash'; readonly databases: readonly string[] }
  | { readonly strategy: 'range'; readonly ranges: readonly ShardRange[] }
);

/** Model label → its rule. */
export type Sharding = Readonly<Record<string, ShardingRule>>;

/** Every database of a rule, each once, in the order the rule names them. */
export function ruleDatabases(rule: ShardingRule): string[] {
  const all = rule.strategy === 'hash' ? rule.databases : rule.ranges.map((r) => r.database);
  return [...new Set(all)];
}

/** A key value as the hash reads it: integers in decimal, text as it is. */
function keyText(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

/**
 * 64-bit FNV-1a over the UTF-8 bytes of `text`, as two 32-bit halves: the prime is 2^40 + 0x1b3,
 * so a product is the low half times 0x1b3 with its carry, plus the low half shifted into the high.
 */
export function fnv1a64(text: string): bigint {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (const byte of Buffer.from(text, 'utf8')) {
    lo = (lo ^ byte) >>> 0;
    const low = lo * 0x1b3;
    const carry = Math.floor(low / 0x1_0000_0000);
    hi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) >>> 0;
    lo = low >>> 0;
  }
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * Jump consistent hash (Lamping and Veach, 2014): a 64-bit key onto `buckets` buckets, so that
 * growing n buckets to m moves only the keys that land in the new ones ((m - n) / m of them).
 */
export function jumpHash(key: bigint, buckets: number): number {
  let k = key;
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    k = BigInt.asUintN(64, k * 2862933555777608141n + 1n);
    j = Math.floor((b + 1) * (2 ** 31 / (Number(k >> 33n) + 1)));
  }
  return b;
}

/** The position in a hash rule's databases of the shard holding `value`. */
export function shardIndex(value: unknown, shards: number): number {
  return jumpHash(fnv1a64(keyText(value)), shards);
}

/** The database holding the record whose key is `value`. */
export function shardOf(rule: ShardingRule, value: unknown): string {
  if (rule.strategy === 'hash') return rule.databases[shardIndex(value, rule.databases.length)] as string;
  const n = Number(value);
  const range = rule.ranges.find((r) => r.below === undefined || n < r.below) ?? rule.ranges.at(-1);
  return (range as ShardRange).database;
}

/** What `distdb routes` shows for a rule: `hash(id)` or `range(id)`. */
export function ruleLabel(rule: ShardingRule): string {
  return `${rule.strategy}(${rule.key})`;
}

/**
 * The sharding rules as a router: a read or write with the key (the record, or `key`) goes to its
 * shard; one without it abstains, and `shards` names every database the model may be read from.
 * A model is migrated on each of its shards and nowhere else.
 */
export function shardRouter(rules: Sharding | (() => Sharding), name = 'ShardRouter'): Router {
  const ruleOf = (model: string) => {
    const sharding = typeof rules === 'function' ? rules() : rules;
    return Object.hasOwn(sharding, model) ? sharding[model] : undefined;
  };
  const route = (model: string, hints: { record?: Readonly<Record<string, unknown>>; key?: unknown }) => {
    const rule = ruleOf(model);
    if (!rule) return undefined;
    const value = hints.key !== undefined ? hints.key : hints.record?.[rule.key];
    return value === undefined || value === null ? undefined : shardOf(rule, value);
  };
  return {
    name,
    dbForRead: route,
    dbForWrite: route,
    shards: (model): Shards | undefined => {
      const rule = ruleOf(model);
      if (!rule) return undefined;
      return {
        key: rule.key,
        databases: ruleDatabases(rule),
        label: ruleLabel(rule),
        index: rule.index ?? FALLBACK_ALIAS,
        version: rule.version ?? 1,
        ...(rule.strays ? { strays: true } : {}),
      };
    },
    allowMigrate: (alias, model) => {
      const rule = ruleOf(model);
      return rule ? ruleDatabases(rule).includes(alias) || rule.next?.includes(alias) === true : undefined;
    },
    // distdb checks references into and out of a sharded model itself, in whichever shard.
    allowRelation: (a, b) => (ruleOf(a) || ruleOf(b) ? true : undefined),
  };
}
