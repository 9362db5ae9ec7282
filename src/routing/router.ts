/** Routing hints: for writes, the record being written, so a router can route by key. */
export interface RoutingHints {
  readonly record?: Readonly<Record<string, unknown>>;
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
}

export interface Decision<T> {
  readonly value: T;
  /** Name of the router that answered, or "fallback" when every router abstained. */
  readonly router: string;
}
