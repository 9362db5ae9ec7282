/**
 * Routing hints: for writes, the record being written; for a sharded model, the value of its
 * shard key (`key`) when there is no record, so a router can route by key.
 */
export interface RoutingHints {
  readonly record?: Readonly<Record<string, unknown>>;
  readonly key?: unknown;
}

/**
 * A model spread over several databases: its shard key, every database holding it, the rule's
 * name, and the database of its global unique index (unique values other than the key's).
 */
export interface Shards {
  readonly key: string;
  readonly databases: readonly string[];
  readonly label: string;
  readonly index: string;
  /** The version of the layout in force (1 until the model is resharded). */
  readonly version: number;
  /**
   * Set while some shards still hold rows that moved to another (a reshard's cleanup is under
   * way): a read keeps only the rows of each shard that the layout places there.
   */
  readonly strays?: boolean;
}

/**
 * Django's router protocol. Every method may abstain by returning `undefined`; the first router
 * in the chain that answers decides.
 */
export interface Router {
  readonly name: string;
  dbForRead?(model: string, hints: RoutingHints): string | undefined;
  dbForWrite?(model: string, hints: RoutingHints): string | undefined;
  allowMigrate?(alias: string, model: string): boolean | undefined;
  allowRelation?(modelA: string, modelB: string): boolean | undefined;
  /** For a sharded model: where its records are; a read or write then needs its key in the hints. */
  shards?(model: string): Shards | undefined;
}

export interface Decision<T> {
  readonly value: T;
  /** Name of the router that answered, or "fallback" when every router abstained. */
  readonly router: string;
}
