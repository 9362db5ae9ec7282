import type { Connection, Replication } from '../db/dialect.js';
import { dialectFor } from '../db/registry.js';
import type { DatabaseUrl } from '../db/url.js';
import { errorLine } from '../errors.js';

/**
 * What distdb last found a replica to be. `standby`: it answers, is a standby of its primary and
 * holds the same database; the other states say why it gets no reads.
 */
export type ReplicaHealth = 'unknown' | 'standby' | 'unreachable' | 'promoted' | 'other_data';

export class TimedOut extends Error {}

/** A check longer than this counts as no answer. */
export const CHECK_TIMEOUT_MS = 2000;

/** `work`, or a rejection naming `what` once `ms` have passed (the work itself goes on unwatched). */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(`no answer within ${ms} ms (${what})`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** One read replica of a primary: its connection, opened on first check, and what the last check found. */
export class Replica {
  health: ReplicaHealth = 'unknown';
  /** Where its replay was at the last check. */
  replayed: string | undefined;
  /** Why it gets no reads, in one line (unreachable, promoted, …). */
  problem: string | undefined;
  /** Reads it answered. */
  reads = 0;
  #conn: Promise<Connection> | undefined;
  #closed = false;

  constructor(
    readonly name: string,
    readonly url: DatabaseUrl,
    private readonly replication: Replication,
  ) {}

  connection(): Promise<Connection> {
    if (this.#closed) return Promise.reject(new Error(`replica ${this.name} is closed`));
    if (!this.#conn) {
      const conn = dialectFor(this.url).then((d) => d.connect(this.url));
      // A failed connect is not kept: the next check connects again.
      conn.catch(() => {
        if (this.#conn === conn) this.#conn = undefined;
      });
      this.#conn = conn;
    }
    return this.#conn;
  }

  /** Asks the replica where it is; `identity` is its primary's (see Replication.identity). */
  async check(identity: string): Promise<void> {
    try {
      await withTimeout(this.#check(identity), CHECK_TIMEOUT_MS, 'replica check');
    } catch (err) {
      this.lost(err);
    }
  }

  async #check(identity: string): Promise<void> {
    const conn = await this.connection();
    const [state, own] = await Promise.all([this.replication.standby(conn), this.replication.identity(conn)]);
    if (own !== identity) {
      this.#refuse('other_data', `holds other data than its primary (${own} here, ${identity} there)`);
    } else if (!state.standby) {
      this.#refuse('promoted', 'is not a standby any more (promoted?): its data may go its own way');
    } else if (state.replayed === undefined) {
      this.#refuse('unknown', 'has replayed nothing yet');
    } else {
      this.health = 'standby';
      this.replayed = state.replayed;
      this.problem = undefined;
    }
  }

  /** What it has replayed now (asked, not the last check's); undefined when it does not say within `ms`. */
  async replayedNow(ms: number): Promise<string | undefined> {
    try {
      const state = await withTimeout(
        this.connection().then((c) => this.replication.standby(c)),
        ms,
        'replica check',
      );
      if (state.standby && state.replayed !== undefined) this.replayed = state.replayed;
      return state.standby ? state.replayed : undefined;
    } catch (err) {
      // Out of time to wait is no fault of the replica's.
      if (!(err instanceof TimedOut && ms < CHECK_TIMEOUT_MS)) this.lost(err);
      return undefined;
    }
  }

  /** A check or a read failed: no reads until a check finds it answering again. */
  lost(err: unknown): void {
    this.health = 'unreachable';
    this.problem = errorLine(err);
  }

  #refuse(health: ReplicaHealth, problem: string): void {
    this.health = health;
    this.problem = problem;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const conn = this.#conn;
    this.#conn = undefined;
    await (await conn?.catch(() => undefined))?.close();
  }
}
