import type { Distdb } from '../distdb.js';
import { DistdbError } from '../errors.js';
import { type AnyModel, uniqueFields } from '../models/model.js';
import type { ShardingRule } from '../routing/sharding.js';

/** A reshard: a hash-sharded model from the databases of one layout version to the next's. */
export interface ReshardPlan {
  readonly model: AnyModel;
  readonly rule: ShardingRule & { strategy: 'hash' };
  readonly version: number;
  readonly from: readonly string[];
  readonly to: readonly string[];
  /** The databases `to` adds: every moved row goes to one of them. */
  readonly added: readonly string[];
}

function refused(reason: string, message: string): DistdbError {
  return new DistdbError('usage', message, { reason });
}

/** The rule of a model that can be resharded, or a usage error saying why it cannot. */
export function reshardableRule(db: Distdb, model: AnyModel): ShardingRule & { strategy: 'hash' } {
  const rule = Object.hasOwn(db.sharding, model.label) ? db.sharding[model.label] : undefined;
  if (!rule) throw refused('reshard_not_sharded', `${model.label} is not sharded`);
  if (rule.strategy !== 'hash')
    throw refused(
      'reshard_not_hash',
      `${model.label} is sharded by range: reshard moves hash-sharded models (change a range rule's bounds in the config)`,
    );
  const key = model.table.primaryKey;
  if (rule.key !== key)
    throw refused(
      'reshard_key_not_id',
      `${model.label} is sharded by ${rule.key}: reshard moves models sharded by their ${key}`,
    );
  if (uniqueFields(model).some((f) => f.name !== key))
    throw refused(
      'reshard_indexed',
      `${model.label} keeps unique values in a global index, which reshard does not move yet`,
    );
  return rule;
}

/**
 * The reshard of `model` to the databases `to`. Jump hashing moves a row only into a bucket
 * that is added, so the new layout is the old one with databases appended: rows move only
 * into databases the old layout does not read, and never between old shards.
 */
export function planReshard(db: Distdb, model: AnyModel, to: readonly string[]): ReshardPlan {
  const rule = reshardableRule(db, model);
  for (const alias of to) db.checkAlias(alias);
  const twice = to.find((a, i) => to.indexOf(a) !== i);
  if (twice !== undefined) throw refused('reshard_layout', `--to names "${twice}" twice`);
  const from = rule.databases;
  const kept = to.slice(0, from.length);
  if (to.length <= from.length || kept.some((a, i) => a !== from[i]))
    throw refused(
      'reshard_layout',
      `--to must be the ${from.length} databases of ${model.label} in their order (${from.join(', ')}), then the ones to add`,
    );
  return movePlan(model, rule, rule.version ?? 1, from, to);
}

/** The reshard of `model` from layout `version` on `from` to the next on `to` (`from`, then the added ones). */
export function movePlan(
  model: AnyModel,
  rule: ReshardPlan['rule'],
  version: number,
  from: readonly string[],
  to: readonly string[],
): ReshardPlan {
  return { model, rule, version, from, to, added: to.slice(from.length) };
}
