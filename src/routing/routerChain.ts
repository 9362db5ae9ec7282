import type { Decision, Router, RoutingHints, Shards } from './router.js';

export const FALLBACK_ALIAS = 'default';

/** Tries routers in order; `undefined` means "no opinion", so the next router is asked. */
export class RouterChain {
  constructor(readonly routers: readonly Router[]) {}

  #ask<T>(call: (r: Router) => T | undefined, fallback: T): Decision<T> {
    for (const r of this.routers) {
      const v = call(r);
      if (v !== undefined) return { value: v, router: r.name };
    }
    return { value: fallback, router: 'fallback' };
  }

  dbForRead(model: string, hints: RoutingHints = {}): Decision<string> {
    return this.#ask((r) => r.dbForRead?.(model, hints), FALLBACK_ALIAS);
  }

  dbForWrite(model: string, hints: RoutingHints = {}): Decision<string> {
    return this.#ask((r) => r.dbForWrite?.(model, hints), FALLBACK_ALIAS);
  }

  /** The shards of a sharded model (the first router that says), else undefined. */
  shards(model: string): (Shards & { readonly router: string }) | undefined {
    for (const r of this.routers) {
      const s = r.shards?.(model);
      if (s !== undefined) return { ...s, router: r.name };
    }
    return undefined;
  }

  /** With no answer a model may be migrated anywhere, as in Django. */
  allowMigrate(alias: string, model: string): Decision<boolean> {
    return this.#ask((r) => r.allowMigrate?.(alias, model), true);
  }

  /** With no answer a relation is allowed only inside one database. */
  allowRelation(modelA: string, modelB: string): Decision<boolean> {
    const same =
      !this.shards(modelA) &&
      !this.shards(modelB) &&
      this.dbForWrite(modelA).value === this.dbForWrite(modelB).value;
    return this.#ask((r) => r.allowRelation?.(modelA, modelB), same);
  }
}
