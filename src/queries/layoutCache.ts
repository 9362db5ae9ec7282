import type { Connection } from '../db/dialect.js';
import type { Sharding } from '../routing/sharding.js';
import { inForce, readLayouts } from './layouts.js';

/** How old the layouts a process routes by may be before it reads them again from `default`. */
export const LAYOUT_TTL_MS = 1000;

/** How long a write turned away by a reshard's switch waits for the new layout before failing. */
export const SWITCH_WAIT_MS = 30_000;

const POLL_MS = 25;
/** A write held by a switch is tried again at least this often: the switch may have been given up. */
const RETRY_MS = 1000;

/**
 * The sharding rules a deployment routes by: the configured ones, with the hash layouts
 * `default` keeps in force, read again when older than LAYOUT_TTL_MS or when a shard says the
 * layout has moved on.
 */
export class LayoutCache {
  #rules: Sharding;
  #readAt = 0;
  #failedAt = 0;
  #reading: Promise<void> | undefined;
  readonly #hashed: boolean;

  constructor(
    readonly configured: Sharding,
    private readonly source: () => Promise<Connection | undefined>,
  ) {
    this.#rules = configured;
    this.#hashed = Object.values(configured).some((r) => r.strategy === 'hash');
  }

  get rules(): Sharding {
    return this.#rules;
  }

  /** Reads the stored layouts now (one read at a time; callers meanwhile share it). */
  refresh(): Promise<void> {
    if (!this.#hashed) return Promise.resolve();
    this.#reading ??= (async () => {
      try {
        const conn = await this.source();
        const stored = conn ? await readLayouts(conn) : new Map();
        this.#rules = inForce(this.configured, stored);
        this.#readAt = Date.now();
      } finally {
        this.#reading = undefined;
      }
    })();
    return this.#reading;
  }

  /**
   * Reads the layouts again when they are older than LAYOUT_TTL_MS. `needed`: the call is of a
   * sharded model, and fails if `default` cannot be read; any other goes on by the layouts it
   * has (its writes to a shard are fenced all the same), and tries again a lifetime later.
   */
  async fresh(needed: boolean): Promise<void> {
    const now = Date.now();
    if (!this.#hashed || now - this.#readAt <= LAYOUT_TTL_MS) return;
    if (!needed && now - this.#failedAt <= LAYOUT_TTL_MS) return;
    try {
      await this.refresh();
    } catch (err) {
      this.#failedAt = Date.now();
      if (needed) throw err;
    }
  }

  /**
   * For a write turned away at `heldSince` because the layout of `label` is no longer
   * `version`: waits until another layout is in force, no reshard of it is under way, or a
   * second has passed (a switch given up or resumed lets the old shards go), and says whether
   * to try again; false once the write has waited SWITCH_WAIT_MS.
   */
  async moved(label: string, version: number, heldSince: number): Promise<boolean> {
    const retry = Date.now() + RETRY_MS;
    for (;;) {
      if (Date.now() - heldSince > SWITCH_WAIT_MS) return false;
      await this.refresh();
      const rule = this.#rules[label];
      if ((rule?.version ?? 1) !== version || rule?.next === undefined || Date.now() > retry) return true;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
