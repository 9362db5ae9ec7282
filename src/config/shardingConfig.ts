import { type AnyModel, uniqueFields } from '../models/model.js';
import type { ShardingRule, ShardRange } from '../routing/sharding.js';
import { typeName } from '../util/text.js';

/** Field kinds a shard key may have: values compared exactly, integers for ranges. */
const HASH_KINDS = new Set(['id', 'integer', 'reference', 'text', 'email', 'enum']);
const RANGE_KINDS = new Set(['id', 'integer', 'reference']);

type Check<T> = { rule: T } | { problem: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The sharding section checked against the models and databases: each problem is one line naming
 * where it is (`sharding.Post.key: …`). Returns the rules by model label.
 */
export function checkSharding(
  raw: unknown,
  models: readonly AnyModel[],
  aliases: ReadonlySet<string>,
): { sharding: Record<string, ShardingRule> } | { problem: string } {
  if (raw === undefined) return { sharding: {} };
  if (!isObject(raw)) return { problem: `sharding must be an object, got ${typeName(raw)}` };
  const sharding: Record<string, ShardingRule> = {};
  for (const [label, given] of Object.entries(raw)) {
    const at = `sharding.${label}`;
    const model = models.find((m) => m.label === label);
    if (!model) {
      return {
        problem: `${at}: unknown model "${label}" (models: ${models.map((m) => m.label).join(', ')})`,
      };
    }
    const checked = checkRule(at, model, given, aliases);
    if ('problem' in checked) return checked;
    sharding[label] = checked.rule;
  }
  return { sharding };
}

function checkRule(
  at: string,
  model: AnyModel,
  given: unknown,
  aliases: ReadonlySet<string>,
): Check<ShardingRule> {
  if (!isObject(given)) return { problem: `${at} must be an object, got ${typeName(given)}` };
  const allowed = ['key', 'strategy', 'databases', 'ranges', 'index'];
  const extra = Object.keys(given).find((k) => !allowed.includes(k));
  if (extra) return { problem: `${at}: unknown key "${extra}" (allowed: ${allowed.join(', ')})` };
  const { key, strategy } = given;
  if (strategy !== 'hash' && strategy !== 'range')
    return { problem: `${at}.strategy must be "hash" or "range", got ${describeValue(strategy)}` };
  const keyProblem = checkKey(`${at}.key`, model, key, strategy);
  if (keyProblem) return { problem: keyProblem };
  const uniqueProblem = checkUnique(at, model, key as string);
  if (uniqueProblem) return { problem: uniqueProblem };
  const index = given.index === undefined ? undefined : given.index;
  const indexProblem = index === undefined ? undefined : checkAlias(`${at}.index`, index, aliases);
  if (indexProblem) return { problem: indexProblem };
  const common = { key: key as string, ...(index === undefined ? {} : { index: index as string }) };
  if (strategy === 'hash') {
    if (given.ranges !== undefined) return { problem: `${at}.ranges: only a range strategy has ranges` };
    const databases = checkDatabases(`${at}.databases`, given.databases, aliases);
    if ('problem' in databases) return databases;
    return { rule: { ...common, strategy, databases: databases.rule } };
  }
  if (given.databases !== undefined)
    return { problem: `${at}.databases: a range strategy names its databases in ranges` };
  const ranges = checkRanges(`${at}.ranges`, given.ranges, aliases);
  if ('problem' in ranges) return ranges;
  return { rule: { ...common, strategy, ranges: ranges.rule } };
}

function describeValue(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : typeName(value);
}

function checkKey(at: string, model: AnyModel, key: unknown, strategy: 'hash' | 'range'): string | undefined {
  if (typeof key !== 'string') return `${at} must be the name of a field, got ${typeName(key)}`;
  const field = model.fields.find((f) => f.name === key);
  if (!field) {
    return `${at}: "${key}" is not a field of ${model.label} (fields: ${model.fields.map((f) => f.name).join(', ')})`;
  }
  const kinds = strategy === 'hash' ? HASH_KINDS : RANGE_KINDS;
  if (!kinds.has(field.type.kind)) {
    return `${at}: ${model.label}.${key} is a ${field.type.kind} field; a ${strategy} key is one of: ${[...kinds].join(', ')}`;
  }
  if (field.optional) return `${at}: ${model.label}.${key} is optional, and a record without it has no shard`;
  return undefined;
}

/**
 * Unique values other than the key's are kept in the model's global index by their text, which
 * is the stored value's only for these kinds.
 */
const INDEXED_KINDS = new Set(['id', 'integer', 'reference', 'text', 'email', 'enum']);

function checkUnique(at: string, model: AnyModel, key: string): string | undefined {
  const field = uniqueFields(model).find((f) => f.name !== key && !INDEXED_KINDS.has(f.type.kind));
  if (!field) return undefined;
  return `${at}: ${model.label}.${field.name} is a unique ${field.type.kind} field, which the global unique index of a sharded model does not keep (it keeps ${[...INDEXED_KINDS].join(', ')})`;
}

function checkAlias(at: string, alias: unknown, aliases: ReadonlySet<string>): string | undefined {
  if (typeof alias !== 'string') return `${at} must be a database alias, got ${typeName(alias)}`;
  if (!aliases.has(alias))
    return `${at}: unknown database "${alias}" (configured: ${[...aliases].join(', ')})`;
  return undefined;
}

function checkDatabases(at: string, given: unknown, aliases: ReadonlySet<string>): Check<string[]> {
  if (!Array.isArray(given) || given.length === 0)
    return { problem: `${at} must be a non-empty list of database aliases, got ${typeName(given)}` };
  for (const [i, alias] of given.entries()) {
    const problem = checkAlias(`${at}[${i}]`, alias, aliases);
    if (problem) return { problem };
    if (given.indexOf(alias) !== i) return { problem: `${at}[${i}]: "${alias}" is named twice` };
  }
  return { rule: given as string[] };
}

function checkRanges(at: string, given: unknown, aliases: ReadonlySet<string>): Check<ShardRange[]> {
  if (!Array.isArray(given) || given.length === 0)
    return { problem: `${at} must be a non-empty list of {below, database}, got ${typeName(given)}` };
  const ranges: ShardRange[] = [];
  let previous: number | undefined;
  for (const [i, range] of given.entries()) {
    const here = `${at}[${i}]`;
    if (!isObject(range)) return { problem: `${here} must be {below, database}, got ${typeName(range)}` };
    const extra = Object.keys(range).find((k) => k !== 'below' && k !== 'database');
    if (extra) return { problem: `${here}: unknown key "${extra}" (allowed: below, database)` };
    const problem = checkAlias(`${here}.database`, range.database, aliases);
    if (problem) return { problem };
    const last = i === given.length - 1;
    const { below } = range;
    if (below === undefined) {
      if (!last) return { problem: `${here} has no "below": only the last range is open-ended` };
    } else {
      if (!Number.isSafeInteger(below))
        return { problem: `${here}.below must be an integer, got ${typeName(below)}` };
      if (last)
        return { problem: `${here}: the last range must have no "below", so that every key has a shard` };
      if (previous !== undefined && (below as number) <= previous) {
        return {
          problem: `${here}.below ${below} must be above ${previous}: ranges go in increasing order, without overlap`,
        };
      }
      previous = below as number;
    }
    ranges.push({
      ...(below === undefined ? {} : { below: below as number }),
      database: range.database as string,
    });
  }
  return { rule: ranges };
}

/** The models and database aliases a sharding section names, read before it is checked. */
export function shardingNames(raw: unknown): { models: string[]; aliases: string[] } {
  if (!isObject(raw)) return { models: [], aliases: [] };
  const aliases: unknown[] = [];
  for (const rule of Object.values(raw)) {
    if (!isObject(rule)) continue;
    if (Array.isArray(rule.databases)) aliases.push(...rule.databases);
    if (Array.isArray(rule.ranges))
      aliases.push(...rule.ranges.map((r) => (isObject(r) ? r.database : undefined)));
  }
  return { models: Object.keys(raw), aliases: aliases.filter((a): a is string => typeof a === 'string') };
}
