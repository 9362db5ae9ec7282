import type { ReplicaSetting } from '../config/replicasConfig.js';
import type { Connection, Replication } from '../db/dialect.js';
import { dialectFor } from '../db/registry.js';
import type { DatabaseUrl } from '../db/url.js';
import type { Access } from '../queries/context.js';
import { withFallback } from './fallback.js';
import type { Replica } from './replica.js';
import { ReplicaSet, type ReplicaStatus } from './replicaSet.js';
import { ReadSessions } from './sessions.js';

/** Reads served, per database: by each replica, and by the primary. */
export interface ReadCounts {
  readonly database: string;
  readonly primary: number;
  /** Reads a replica failed that the primary answered (counted in `primary` too). */
  readonly fallbacks: number;
  readonly replicas: Readonly<Record<string, number>>;
}

/**
 * A deployment's read replicas. A read outside any transaction goes to a replica that has
 * replayed every write its caller (the `session`, else the deployment) made before it, and is no
 * further behind than `maxLagMs`; else, after waiting up to `waitMs` for one, to the primary.
 */
export class Replicas {
  readonly #sets = new Map<string, Promise<ReplicaSet>>();
  readonly #sessions = new ReadSessions();
  /** Databases with replicas. */
  readonly aliases: readonly string[];

  constructor(
    private readonly settings: Readonly<Record<string, ReplicaSetting>>,
    private readonly urls: Readonly<Record<string, DatabaseUrl>>,
    private readonly database: (alias: string) => Promise<Connection>,
  ) {
    this.aliases = Object.keys(settings);
  }

  /** Runs `fn` as a caller of its own: its reads wait only for its own writes. */
  session<T>(fn: () => Promise<T>): Promise<T> {
    // Without replicas there is nothing to scope, and no AsyncLocalStorage to pay for on every promise.
    return this.aliases.length > 0 ? this.#sessions.run(fn) : fn();
  }

  /** Runs `fn` with its reads on the primaries (as fresh as can be); nested sessions read from replicas again. */
  primary<T>(fn: () => Promise<T>): Promise<T> {
    return this.aliases.length > 0 ? this.#sessions.primary(fn) : fn();
  }

  /** The current caller's write to `aliases` (any, when not given) has ended: its next reads there need a replica that has replayed it. */
  wrote(aliases?: ReadonlySet<string>): void {
    this.#sessions.current.marks.wrote(aliases);
  }

  /** The database whose replica `name` is (`users.replica1` → users); undefined for any other name. */
  primaryOf(name: string): string | undefined {
    const m = /^(.+)\.replica(\d+)$/.exec(name);
    const urls = m?.[1] ? this.settings[m[1]]?.urls : undefined;
    return urls && Number(m?.[2]) >= 1 && Number(m?.[2]) <= urls.length ? m?.[1] : undefined;
  }

  #set(alias: string): Promise<ReplicaSet> | undefined {
    const setting = this.settings[alias];
    const url = this.urls[alias];
    if (!setting || !url) return undefined;
    let set = this.#sets.get(alias);
    if (!set) {
      set = (async () => {
        // The configuration allows replicas only of backends with replication.
        const replication = (await dialectFor(url)).replication as Replication;
        return new ReplicaSet(alias, setting, () => this.database(alias), replication);
      })();
      this.#sets.set(alias, set);
    }
    return set;
  }

  /**
   * Where a read of `name` outside any transaction goes: a database's (one of its replicas, or
   * itself), or the replica a router named, when it serves and has the caller's writes.
   * `epoch` counts the shard layouts seen: rows may have moved since a position was read.
   */
  async reader(name: string, epoch: number): Promise<Access> {
    const alias = this.primaryOf(name) ?? name;
    const primary = await this.database(alias);
    const set = await this.#set(alias);
    if (!set || this.#sessions.current.primary) return { alias, conn: primary };
    set.start();
    const only = set.replicas.find((r) => r.name === name);
    const replica = await this.#replicaFor(set, only, epoch).catch(() => undefined);
    const replicaConn = await replica?.connection().catch(() => undefined);
    if (!replica || !replicaConn) {
      set.primaryReads++;
      return { alias, conn: primary };
    }
    const conn = withFallback(replicaConn, primary, {
      answered: () => replica.reads++,
      failed: (err) => {
        replica.lost(err);
        set.fallbacks++;
        set.primaryReads++;
      },
    });
    return { alias, conn };
  }

  async #replicaFor(set: ReplicaSet, only: Replica | undefined, epoch: number): Promise<Replica | undefined> {
    const required = await this.#sessions.current.marks.required(set.alias, epoch, () => set.position());
    const found = set.choose(required, only);
    if (found || required === undefined || set.setting.waitMs === 0) return found;
    return set.waitFor(required, only);
  }

  /** Every replica, checked now (one whose primary does not answer is listed as last known). */
  async status(): Promise<ReplicaStatus[]> {
    const sets = await Promise.all(this.aliases.map((a) => this.#set(a) as Promise<ReplicaSet>));
    await Promise.all(sets.map((s) => s.poll()));
    return sets.flatMap((s) => s.status());
  }

  /** Reads served so far, per database with replicas that was read. */
  async reads(): Promise<ReadCounts[]> {
    const sets = await Promise.all(this.#sets.values());
    return sets.map((s) => ({
      database: s.alias,
      primary: s.primaryReads,
      fallbacks: s.fallbacks,
      replicas: Object.fromEntries(s.replicas.map((r) => [r.name, r.reads])),
    }));
  }

  async close(): Promise<void> {
    const sets = await Promise.all([...this.#sets.values()].map((s) => s.catch(() => undefined)));
    this.#sets.clear();
    await Promise.all(sets.map((s) => s?.close()));
  }
}
