import type { AnyModel } from '../models/model.js';
import type { RoutingHints, Shards } from '../routing/router.js';

/** Where records of a model are: a deployment's routers, as a query asks them. */
export interface Placement {
  /** Set for a sharded model. */
  shards(model: AnyModel): Shards | undefined;
  alias(model: AnyModel, side: Side, hints?: RoutingHints): string;
}

export type Side = 'read' | 'write';

/** The placement of a deployment that routes reads and writes and knows its sharded models. */
export function placementOf(host: {
  shards(model: AnyModel): Shards | undefined;
  readAlias(model: AnyModel, hints?: RoutingHints): string;
  writeAlias(model: AnyModel, hints?: RoutingHints): string;
}): Placement {
  return {
    shards: (m) => host.shards(m),
    alias: (m, side, hints) => (side === 'read' ? host.readAlias(m, hints) : host.writeAlias(m, hints)),
  };
}

/**
 * The databases a query of `model` asks: its own; for a sharded model, the shards of `keys`
 * (values of the shard key), or every shard when the query does not say which keys.
 */
export function aliasesFor(
  place: Placement,
  model: AnyModel,
  side: Side,
  keys: readonly unknown[] | undefined,
): string[] {
  const shards = place.shards(model);
  if (!shards) return [place.alias(model, side)];
  if (keys === undefined) return [...shards.databases];
  const hit = new Set(keys.map((key) => place.alias(model, side, { key })));
  // No key at all: one shard still checks the query (and finds nothing).
  const asked = shards.databases.filter((a) => hit.has(a));
  return asked.length > 0 ? asked : shards.databases.slice(0, 1);
}

/**
 * `values` of `field` by the database to look for them in: all in the model's own; for a
 * sharded model, each in its shard when `field` is the shard key, else all in every shard.
 */
export function valuesByDatabase(
  place: Placement,
  model: AnyModel,
  side: Side,
  field: string,
  values: readonly unknown[],
): Map<string, unknown[]> {
  const shards = place.shards(model);
  if (!shards) return new Map([[place.alias(model, side), [...values]]]);
  if (field !== shards.key) return new Map(shards.databases.map((a) => [a, [...values]]));
  const groups = new Map<string, unknown[]>();
  for (const value of values) {
    const alias = place.alias(model, side, { key: value });
    const group = groups.get(alias);
    if (group) group.push(value);
    else groups.set(alias, [value]);
  }
  return groups;
}

/**
 * While a reshard's cleanup is under way (`strays`), the rows of `model` in `alias` that the
 * layout in force places there; otherwise undefined (every row is where it belongs).
 */
export function ownedIn(
  place: Placement,
  model: AnyModel,
  alias: string,
): ((row: Readonly<Record<string, unknown>>) => boolean) | undefined {
  const shards = place.shards(model);
  if (!shards?.strays) return undefined;
  const { key } = shards;
  // Only a model sharded by its primary key is resharded; a row read without its key is kept.
  return (row) => row[key] === undefined || place.alias(model, 'read', { key: row[key] }) === alias;
}
