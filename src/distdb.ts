import type { Kysely } from 'kysely';
import type { AtomicTx } from './atomic/atomicTx.js';
import { type AtomicOptions, type AtomicStats, Coordinator } from './atomic/coordinator.js';
import type { RecoveryResult } from './atomic/recover.js';
import { rerunOnRelayout, spansAtomically } from './atomic/spans.js';
import type { ConfigInput, DistdbConfig } from './config/config.js';
import { DEFAULT_ALIAS } from './config/defaults.js';
import { loadConfig } from './config/loadConfig.js';
import type { AnyDatabase } from './db/dialect.js';
import { Deployment } from './deployment.js';
import { DistdbError } from './errors.js';
import type { AnyModel, Model } from './models/model.js';
import type { QueryContext } from './queries/context.js';
import type { DatabaseFor } from './queries/database.js';
import { type DeploymentAccess, deploymentContext } from './queries/deploymentContext.js';
import { IdBlocks } from './queries/idBlocks.js';
import { inBatches } from './queries/insertBatches.js';
import { LayoutCache } from './queries/layoutCache.js';
import { aliasesFor, type Placement, placementOf, type Side } from './queries/placement.js';
import type { DeleteOutcome } from './queries/remove.js';
import { Tx } from './queries/transaction.js';
import type { ReplicaStatus } from './replicas/replicaSet.js';
import { type ReadCounts, Replicas } from './replicas/replicas.js';
import { checkRelations } from './routing/relations.js';
import type { RoutingHints, Shards } from './routing/router.js';
import { RouterChain } from './routing/routerChain.js';
import { type Sharding, shardRouter } from './routing/sharding.js';
import { tableRouter } from './routing/tableRouter.js';
import type { RecordOutcome } from './store/outcome.js';

export type OpenOptions = ConfigInput;

/** Open options whose `models`, given in code, type `using()` (see DatabaseFor). */
export type TypedOpenOptions<M extends readonly AnyModel[]> = Omit<OpenOptions, 'models'> & {
  readonly models?: M;
};

/**
 * An open deployment: configuration, the router chain and lazily opened connections. Every
 * operation is generic over models; `DB` is the Kysely database type of `using()`.
 */
export class Distdb<DB = AnyDatabase> extends Deployment<DB> {
  readonly router: RouterChain;

  private constructor(config: DistdbConfig) {
    super(config);
    this.#replicas = new Replicas(config.replicas, config.databases, (alias) => this.connection(alias));
    this.#coordinator = new Coordinator(this, DEFAULT_ALIAS, config.databases);
    this.#layouts = new LayoutCache(config.sharding, async () =>
      (await this.databaseExists(DEFAULT_ALIAS)) ? this.connection(DEFAULT_ALIAS) : undefined,
    );
    this.router = new RouterChain([
      ...config.routers,
      shardRouter(() => this.#layouts.rules),
      tableRouter(config.routes),
    ]);
    checkRelations(this.router, config.models);
  }

  readonly #layouts: LayoutCache;
  readonly #replicas: Replicas;

  /** The sharding rules in force: the configured ones, with the layouts reshards published in `default`. */
  get sharding(): Sharding {
    return this.#layouts.rules;
  }

  /** Reads the shard layouts in force again (after a reshard, say). */
  refreshLayouts(): Promise<void> {
    return this.#layouts.refresh();
  }

  static async open<const M extends readonly AnyModel[] = readonly AnyModel[]>(
    options: TypedOpenOptions<M> = {},
  ): Promise<Distdb<DatabaseFor<M>>> {
    const db = new Distdb<DatabaseFor<M>>(await loadConfig(options));
    // Read now where it can be: opening needs no database, and a call of a sharded model reads it again.
    await db.#layouts.fresh(false);
    // In-doubt transactions of a crashed process hold locks: they are ended before anything else.
    await db.#coordinator.recoverAbandoned();
    return db;
  }

  /** The database a read of `model` asks (the primary of a replica a router answered). */
  readAlias(model: AnyModel, hints: RoutingHints = {}): string {
    const target = this.#readTarget(model, hints);
    return this.#replicas.primaryOf(target) ?? target;
  }

  /** What the routers answer for a read: a database, or one of its replicas (`users.replica1`). */
  #readTarget(model: AnyModel, hints: RoutingHints): string {
    const decision = this.router.dbForRead(model.label, hints);
    return this.#replicas.primaryOf(decision.value) ? decision.value : this.#routed(model, decision);
  }

  writeAlias(model: AnyModel, hints: RoutingHints = {}): string {
    return this.#routed(model, this.router.dbForWrite(model.label, hints));
  }

  /** Set when `model` is spread over several databases. */
  shards(model: AnyModel): Shards | undefined {
    return this.router.shards(model.label);
  }

  /** Every database holding records of `model` (read from them, on the read side): its own, or each shard. */
  aliasesOf(model: AnyModel, side: Side = 'write'): string[] {
    return aliasesFor(this.#placement, model, side, undefined).map((a) => this.checkAlias(a));
  }

  readonly #placement = placementOf(this);
  /** The generated ids this deployment has drawn and not yet given (for its transactions; not an API). */
  readonly idBlocks = new IdBlocks();

  /** A sharded model has no database of its own: a read or write of it names its key. */
  #routed(model: AnyModel, decision: { value: string; router: string }): string {
    const shards = decision.router === 'fallback' ? this.shards(model) : undefined;
    if (shards) {
      throw new DistdbError(
        'usage',
        `${model.label} is sharded by ${shards.key} (${shards.databases.join(', ')}): which shard depends on the ${shards.key} of a record`,
      );
    }
    return this.checkAlias(decision.value);
  }

  /**
   * Runs `fn` in one transaction of the database of `alias`: the model calls of `tx` run in
   * it (models written elsewhere are refused), and a throw rolls it back.
   */
  async transaction<T>(alias: string, fn: (tx: Tx<DB>) => Promise<T>): Promise<T> {
    await this.#layouts.fresh(false);
    const conn = await this.connection(alias);
    try {
      return await conn.transaction((txConn) => Tx.run(this, alias, txConn, fn));
    } finally {
      this.written(new Set([alias]));
    }
  }

  readonly #coordinator: Coordinator;

  /** Runs `fn` as one transaction of every database its calls reach: all of its writes commit, or none. */
  async atomic<T>(fn: (tx: AtomicTx<DB>) => Promise<T>, options?: AtomicOptions): Promise<T> {
    await this.#layouts.fresh(false);
    try {
      return await this.#coordinator.run(fn, options);
    } finally {
      this.written();
    }
  }

  /**
   * Runs `fn` as a caller of its own (a web request, say): its reads wait for its own writes
   * only, where outside a session every call of this deployment counts as one caller's.
   */
  session<T>(fn: () => Promise<T>): Promise<T> {
    return this.#replicas.session(fn);
  }

  /** Runs `fn` with its reads on the primaries: for reads that must see writes made elsewhere (another process, `using()`). */
  primary<T>(fn: () => Promise<T>): Promise<T> {
    return this.#replicas.primary(fn);
  }

  /** Every read replica, checked now: health, lag, reads served. */
  replicaStatus(): Promise<ReplicaStatus[]> {
    return this.#replicas.status();
  }

  /** Reads served so far per database with replicas: by each replica and by the primary. */
  replicaReads(): Promise<ReadCounts[]> {
    return this.#replicas.reads();
  }

  protected override written(aliases?: ReadonlySet<string>): void {
    this.#replicas.wrote(aliases);
  }

  /** A delete reaching several databases (cascades, references) runs in `atomic` where they allow it. */
  override async delete<R, I, Rel>(model: Model<R, I, Rel>, id: number): Promise<DeleteOutcome> {
    if (!(await spansAtomically(this, 'delete', model as AnyModel))) return super.delete(model, id);
    return this.#spanning((tx) => tx.delete(model, id));
  }

  /** So does an insert whose references are in other databases: they stay locked until it commits. */
  override async insert<R, I, Rel>(model: Model<R, I, Rel>, record: NoInfer<I>): Promise<RecordOutcome> {
    if (!(await spansAtomically(this, 'insert', model as AnyModel))) return super.insert(model, record);
    return this.#spanning((tx) => tx.insert(model, record));
  }

  /** And insertMany, one `atomic` per batch of 10,000: only one batch's references are held at once. */
  override async insertMany<R, I, Rel>(
    model: Model<R, I, Rel>,
    records: readonly NoInfer<I>[],
  ): Promise<RecordOutcome[]> {
    const none = !Array.isArray(records) || records.length === 0;
    if (none || !(await spansAtomically(this, 'insert', model as AnyModel)))
      return super.insertMany(model, records);
    return inBatches(records, (batch) => this.#spanning((tx) => tx.insertMany(model, batch)));
  }

  /** Such a write, turned away by a reshard's switch, runs again under the new layout. */
  #spanning<T>(fn: (tx: AtomicTx<DB>) => Promise<T>): Promise<T> {
    const moved = (model: string, version: number, since: number) =>
      this.#layouts.moved(model, version, since);
    return rerunOnRelayout(() => this.atomic(fn, { retries: 3 }), moved);
  }

  /** What this deployment's `atomic` calls came to. */
  get atomicStats(): Readonly<AtomicStats> {
    return this.#coordinator.stats;
  }

  /** How the ids of this deployment's prepared branches start (`distdb-` and its tag). */
  get atomicPrefix(): string {
    return this.#coordinator.prefix;
  }

  /** Commits or rolls back every transaction across databases a crashed process left in doubt. */
  async recover(): Promise<RecoveryResult> {
    try {
      return await this.#coordinator.recover();
    } finally {
      this.written();
    }
  }

  /**
   * Kysely on the database of `alias` (the default database when none is given), typed with
   * the tables of every declared model (`D` narrows it); values are the backend's own.
   */
  async using<D = DB>(alias: string = DEFAULT_ALIAS): Promise<Kysely<D>> {
    // The database type is a declaration about its tables; the instance is the same.
    return (await this.connection(alias)).kysely() as Promise<Kysely<D>>;
  }

  readonly #reach: DeploymentAccess = {
    placement: this.#placement,
    database: (alias) => this.connection(alias),
    relayout: (m, version, since) => this.#layouts.moved(m.label, version, since),
  };

  protected context(touched?: Set<string>): QueryContext {
    // Which databases a write touched matters only to the reads of replicas.
    if (!touched || this.#replicas.aliases.length === 0) return deploymentContext(this, this.#reach);
    const database = (alias: string) => {
      touched.add(alias);
      return this.connection(alias);
    };
    return deploymentContext(this, { ...this.#reach, database });
  }

  /** `find` and `count` outside a transaction read from replicas where they have what this caller wrote. */
  protected override readContext(): QueryContext {
    if (this.#replicas.aliases.length === 0) return this.context();
    // The read side keeps a replica a router answered for a model of one database.
    const placement: Placement = {
      shards: (m) => this.shards(m),
      alias: (m, side, hints) =>
        side === 'read' && !this.shards(m)
          ? this.#readTarget(m, hints ?? {})
          : this.#placement.alias(m, side, hints),
    };
    const epoch = this.models.reduce((n, m) => n + (this.shards(m)?.version ?? 0), 0);
    const reader = (name: string) => this.#replicas.reader(name, epoch);
    return deploymentContext(this, { ...this.#reach, placement, reader });
  }

  protected async beforeWrite(model: AnyModel): Promise<void> {
    await this.checkSchema(model);
    await this.beforeRead(model);
  }

  /** Any call may reach a sharded model (a reference, an include, a cascade): layouts are kept fresh for all. */
  protected override async beforeRead(model: AnyModel): Promise<void> {
    await this.#layouts.fresh(this.shards(model) !== undefined);
  }

  /** Models whose tables live in `alias` (by the write route, or as one of its shards). */
  modelsIn(alias: string): AnyModel[] {
    return this.models.filter((m) => this.aliasesOf(m).includes(alias));
  }

  override async close(): Promise<void> {
    await this.#coordinator.close();
    await this.#replicas.close();
    await super.close();
  }
}

export function openDistdb<const M extends readonly AnyModel[] = readonly AnyModel[]>(
  options: TypedOpenOptions<M> = {},
): Promise<Distdb<DatabaseFor<M>>> {
  return Distdb.open(options);
}
