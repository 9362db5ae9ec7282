import type { Connection } from '../db/dialect.js';
import type { Sharding, ShardingRule } from '../routing/sharding.js';
import { SHARD_LAYOUTS_TABLE } from '../schema/distdbTables.js';
import { ensureOwnTable, putOwnRow } from './ownTables.js';

/** What a model's stored layout says: `moving` while a reshard copies, `cleaning` once switched. */
export type LayoutState = 'stable' | 'moving' | 'cleaning';

/** A hash layout kept in `default`, and the progress of the reshard changing it (its own JSON). */
export interface StoredLayout {
  readonly model: string;
  readonly version: number;
  readonly databases: readonly string[];
  readonly state: LayoutState;
  readonly job: unknown;
}

const T = SHARD_LAYOUTS_TABLE.name;

/** The stored layouts, by model label; none before distdb has resharded anything. */
export async function readLayouts(conn: Connection): Promise<Map<string, StoredLayout>> {
  if (!(await conn.tableExists(T))) return new Map();
  const rows = await conn.query(`SELECT model, version, databases, state, job FROM ${T}`);
  return new Map(
    rows.map((r) => {
      const layout: StoredLayout = {
        model: String(r.model),
        version: Number(r.version),
        databases: JSON.parse(String(r.databases)) as string[],
        state: String(r.state) as LayoutState,
        job: r.job === null || r.job === undefined ? undefined : JSON.parse(String(r.job)),
      };
      return [layout.model, layout];
    }),
  );
}

/** Stores a model's layout (and its reshard's progress) in place of the one before. */
export async function writeLayout(conn: Connection, layout: StoredLayout): Promise<void> {
  await ensureOwnTable(conn, SHARD_LAYOUTS_TABLE);
  await putOwnRow(conn, SHARD_LAYOUTS_TABLE, {
    model: layout.model,
    version: layout.version,
    databases: JSON.stringify(layout.databases),
    state: layout.state,
    job: layout.job === undefined ? null : JSON.stringify(layout.job),
    updated_at: new Date().toISOString(),
  });
}

/**
 * The configured rules with the stored layouts in force: a stored hash layout replaces its
 * rule's databases and gives it its version; a rule without one is at version 1.
 */
export function inForce(configured: Sharding, stored: ReadonlyMap<string, StoredLayout>): Sharding {
  const out: Record<string, ShardingRule> = {};
  for (const [label, rule] of Object.entries(configured)) {
    const layout = stored.get(label);
    out[label] =
      layout && rule.strategy === 'hash'
        ? {
            ...rule,
            databases: [...layout.databases],
            version: layout.version,
            ...(layout.state === 'cleaning' ? { strays: true } : {}),
            ...(layout.state === 'moving' ? { next: nextOf(layout.job) } : {}),
          }
        : rule;
  }
  return out;
}

/** The databases a reshard's job moves to (its `to`), as the job JSON keeps them. */
function nextOf(job: unknown): string[] {
  const to = (job as { to?: unknown } | undefined)?.to;
  return Array.isArray(to) ? to.filter((a): a is string => typeof a === 'string') : [];
}
