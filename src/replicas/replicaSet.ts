import type { ReplicaSetting } from '../config/replicasConfig.js';
import type { Connection, Replication } from '../db/dialect.js';
import { errorLine } from '../errors.js';
import { LagClock } from './lagClock.js';
import { CHECK_TIMEOUT_MS, Replica, type ReplicaHealth, withTimeout } from './replica.js';

/** How often the primary's position and every replica's replay are read. */
export const POLL_MS = 100;
/** How often a read waiting for its caller's write asks the replicas again. */
const WAIT_STEP_MS = 10;

/** A replica as `distdb databases` and reports show it. */
export interface ReplicaStatus {
  readonly database: string;
  readonly replica: string;
  readonly url: string;
  readonly health: ReplicaHealth;
  /** Whether it gets reads now: a standby, no further behind than `maxLagMs`. */
  readonly serving: boolean;
  /** At most this far behind, in time; absent while not known. */
  readonly lagMs?: number;
  /** How far its replay is behind the primary's last position read: bytes of log (PostgreSQL)… */
  readonly lagBytes?: number;
  /** …or transactions (MariaDB). */
  readonly lagTransactions?: number;
  readonly problem?: string;
  readonly reads: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A primary database and its replicas. Polled every POLL_MS once first read: the primary's log
 * position, and each replica's health and replay, from which its lag follows (LagClock).
 */
export class ReplicaSet {
  readonly replicas: Replica[];
  /** Reads the primary answered: no replica had the caller's writes, or none was healthy. */
  primaryReads = 0;
  /** Reads a replica failed and the primary answered instead. */
  fallbacks = 0;
  readonly #clock: LagClock;
  #identity: string | undefined;
  /** Why the last poll could not read the primary's identity and position. */
  #primaryProblem: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #turn = 0;
  #closed = false;

  constructor(
    readonly alias: string,
    readonly setting: ReplicaSetting,
    private readonly primary: () => Promise<Connection>,
    private readonly replication: Replication,
  ) {
    this.replicas = setting.urls.map((url, i) => new Replica(`${alias}.replica${i + 1}`, url, replication));
    this.#clock = new LagClock(replication.distance);
  }

  /** Starts polling (once); the first poll's answers come in the background. */
  start(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setInterval(() => void this.poll(), POLL_MS);
    this.#timer.unref();
    void this.poll();
  }

  /** One poll, shared by whoever asks while it runs. */
  poll(): Promise<void> {
    this.#polling ??= this.#poll().finally(() => {
      this.#polling = undefined;
    });
    return this.#polling;
  }

  /** Reads the primary's identity (again each time: it may have been repointed) and position. */
  async #pollPrimary(): Promise<void> {
    const primary = await this.primary();
    const [identity, position] = await Promise.all([
      this.replication.identity(primary),
      this.replication.position(primary),
    ]);
    this.#identity = identity;
    this.#clock.saw(position, Date.now());
  }

  async #poll(): Promise<void> {
    if (this.#closed) return;
    // The primary's own reads fail on their own; the replicas keep what they have, and with no
    // fresh position their lag is soon unknown (see #serving).
    await withTimeout(this.#pollPrimary(), CHECK_TIMEOUT_MS, 'primary position').then(
      () => {
        this.#primaryProblem = undefined;
      },
      (err: unknown) => {
        this.#primaryProblem = errorLine(err);
      },
    );
    const identity = this.#identity;
    if (identity === undefined) return;
    await Promise.all(this.replicas.map((r) => r.check(identity)));
    const replayed = this.replicas.flatMap((r) => (r.health === 'standby' && r.replayed ? [r.replayed] : []));
    const slowest = replayed.reduce<string | undefined>(
      (a, b) => (a === undefined || this.replication.distance(a, b) < 0 ? b : a),
      undefined,
    );
    if (slowest) this.#clock.forget(slowest);
  }

  /** Where the primary's log ends now (a read after the caller's writes asks this once). */
  async position(): Promise<string> {
    return this.replication.position(await this.primary());
  }

  #serving(r: Replica, now: number): boolean {
    if (r.health !== 'standby' || r.replayed === undefined) return false;
    // Unknown too when the primary has not been read for longer than a replica may lag.
    const lastRead = this.#clock.lastRead;
    if (lastRead === undefined || now - lastRead > this.setting.maxLagMs + POLL_MS) return false;
    const lag = this.#clock.lag(r.replayed, now);
    return lag.known && lag.ms <= this.setting.maxLagMs;
  }

  #has(r: Replica, required: string | undefined): boolean {
    return (
      required === undefined ||
      (r.replayed !== undefined && this.replication.distance(required, r.replayed) >= 0)
    );
  }

  /** The next serving replica in turn (or `only`) that has replayed `required`, if any. */
  choose(required: string | undefined, only?: Replica): Replica | undefined {
    const now = Date.now();
    const n = this.replicas.length;
    for (let k = 0; k < n; k++) {
      const r = this.replicas[(this.#turn + k) % n];
      if (r && (!only || r === only) && this.#serving(r, now) && this.#has(r, required)) {
        this.#turn = (this.#turn + k + 1) % n;
        return r;
      }
    }
    return undefined;
  }

  /** Waits up to `waitMs` for a serving replica to replay `required`, asking them as it waits. */
  async waitFor(required: string, only?: Replica): Promise<Replica | undefined> {
    const until = Date.now() + this.setting.waitMs;
    for (;;) {
      const serving = this.replicas.filter((r) => (!only || r === only) && this.#serving(r, Date.now()));
      if (serving.length === 0) return undefined;
      await Promise.all(serving.map((r) => r.replayedNow(Math.max(1, until - Date.now()))));
      const found = this.choose(required, only);
      if (found || Date.now() + WAIT_STEP_MS > until) return found;
      await sleep(WAIT_STEP_MS);
    }
  }

  status(): ReplicaStatus[] {
    const now = Date.now();
    const latest = this.#clock.latest;
    return this.replicas.map((r) => {
      const lag = r.replayed === undefined ? undefined : this.#clock.lag(r.replayed, now);
      return {
        database: this.alias,
        replica: r.name,
        url: r.url.redacted,
        health: r.health,
        serving: this.#serving(r, now),
        // A lag not known yet is left out rather than shown as its lower bound.
        ...(lag?.known ? { lagMs: lag.ms } : {}),
        ...(latest && r.replayed
          ? {
              [this.replication.unit === 'transactions' ? 'lagTransactions' : 'lagBytes']: Math.max(
                0,
                this.replication.distance(r.replayed, latest),
              ),
            }
          : {}),
        ...(r.problem
          ? { problem: r.problem }
          : this.#primaryProblem
            ? { problem: `its primary was not read: ${this.#primaryProblem}` }
            : {}),
        reads: r.reads,
      };
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    // A poll waits at most CHECK_TIMEOUT_MS for each server: closing waits no longer.
    await this.#polling?.catch(() => undefined);
    await Promise.all(this.replicas.map((r) => r.close()));
  }
}
