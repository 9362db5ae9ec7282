import type { Connection } from '../db/dialect.js';
import type { AnyModel } from '../models/model.js';
import type { RoutingHints, Shards } from '../routing/router.js';
import type { Access, QueryContext } from './context.js';
import { writeAccess } from './fence.js';
import type { IdBlocks } from './idBlocks.js';
import { placedAccess } from './placedAccess.js';
import type { Placement, Side } from './placement.js';

/** What a deployment gives the queries run on it outside any transaction. */
export interface DeploymentHost {
  readonly models: readonly AnyModel[];
  model(label: string): AnyModel;
  shards(model: AnyModel): Shards | undefined;
  writeAlias(model: AnyModel, hints?: RoutingHints): string;
  readonly idBlocks: IdBlocks;
}

export interface DeploymentAccess {
  readonly placement: Placement;
  /** The database of `alias` (a primary: reads of writes, and the writes themselves). */
  database(alias: string): Promise<Connection>;
  /** Where a query's own read of `alias` goes (a replica, say); absent: the database itself. */
  reader?(alias: string): Promise<Access>;
  relayout: QueryContext['relayout'];
}

/** The context of a deployment's calls: its routers' databases, each reached as `reach` says. */
export function deploymentContext(host: DeploymentHost, reach: DeploymentAccess): QueryContext {
  const access = async (alias: string) => ({ alias, conn: await reach.database(alias) });
  const reader = reach.reader;
  const sided = (alias: string, side: Side) => (side === 'read' && reader ? reader(alias) : access(alias));
  const writeAlias = (m: AnyModel, record?: Readonly<Record<string, unknown>>) =>
    host.writeAlias(m, record ? { record } : {});
  return {
    models: host.models,
    model: (label) => host.model(label),
    ...placedAccess(reach.placement, sided, host.idBlocks),
    writer: async (m, record) => writeAccess(host.shards(m), m, await access(writeAlias(m, record))),
    writerAt: async (m, alias, version) => writeAccess(host.shards(m), m, await access(alias), version),
    writeAlias,
    database: access,
    relayout: reach.relayout,
  };
}
