import type { Kysely, KyselyPlugin } from 'kysely';
import type { AnyDatabase, Connection } from '../db/dialect.js';
import { DistdbError } from '../errors.js';
import type { AnyModel } from '../models/model.js';
import type { RoutingHints, Shards } from '../routing/router.js';
import { RecordApi } from './api.js';
import type { Access, QueryContext } from './context.js';
import { writeAccess } from './fence.js';
import type { IdBlocks } from './idBlocks.js';
import { placedAccess } from './placedAccess.js';
import { placementOf } from './placement.js';

/** What a transaction needs of the deployment it runs in. */
export interface TxHost {
  readonly models: readonly AnyModel[];
  model(label: string): AnyModel;
  readAlias(model: AnyModel, hints?: RoutingHints): string;
  writeAlias(model: AnyModel, hints?: RoutingHints): string;
  shards(model: AnyModel): Shards | undefined;
  connection(alias: string): Promise<Connection>;
  /** The ids the deployment has drawn and not yet given. */
  readonly idBlocks: IdBlocks;
  checkSchema(model?: AnyModel): Promise<void>;
}

/**
 * The record operations inside one transaction of one database: models read there are read in
 * the transaction (its own writes included), models read elsewhere as usual; a write to a model
 * routed to another database is refused.
 */
export class Tx<DB = AnyDatabase> extends RecordApi<DB> {
  #ended = false;

  constructor(
    private readonly host: TxHost,
    readonly alias: string,
    private readonly conn: Connection,
  ) {
    super();
  }

  /**
   * Runs `fn` with a Tx on `conn` (the open transaction), which refuses every call once `fn` has
   * returned: on SQLite the transaction's connection is the database's own, so a kept Tx would
   * otherwise go on writing outside any transaction (the servers' connections refuse it already).
   */
  static async run<T, DB>(
    host: TxHost,
    alias: string,
    conn: Connection,
    fn: (tx: Tx<DB>) => Promise<T>,
  ): Promise<T> {
    const tx = new Tx<DB>(host, alias, conn);
    try {
      return await fn(tx);
    } finally {
      tx.#ended = true;
    }
  }

  #check(): void {
    if (this.#ended) throw new DistdbError('runtime', 'transaction used after it ended');
  }

  protected context(): QueryContext {
    const { host, alias, conn } = this;
    const elsewhere = (m: AnyModel, write: string) =>
      new DistdbError(
        'usage',
        `${m.label} is written to database "${write}", not to "${alias}" of this transaction`,
      );
    const writeAlias = (m: AnyModel, record?: Readonly<Record<string, unknown>>) => {
      this.#check();
      const write = host.writeAlias(m, record ? { record } : {});
      if (write !== alias) throw elsewhere(m, write);
      return alias;
    };
    const place = placementOf(host);
    // What this transaction's database holds is read in it, its own writes included.
    const access = async (other: string): Promise<Access> => {
      this.#check();
      return other === alias
        ? { alias, conn, inTransaction: true, outside: await host.connection(alias) }
        : { alias: other, conn: await host.connection(other) };
    };
    return {
      models: host.models,
      model: (label) => host.model(label),
      ...placedAccess(place, access, host.idBlocks),
      writer: async (m, record) => writeAccess(host.shards(m), m, await access(writeAlias(m, record))),
      writerAt: async (m, other, version) => {
        this.#check();
        if (other !== alias) throw elsewhere(m, other);
        return writeAccess(host.shards(m), m, await access(alias), version);
      },
      writeAlias,
      database: async () => {
        this.#check();
        return { alias, conn };
      },
      // A write turned away by a reshard's switch fails the transaction: it is not tried again.
      relayout: async () => false,
    };
  }

  protected beforeWrite(model: AnyModel): Promise<void> {
    return this.host.checkSchema(model);
  }

  /** Kysely inside this transaction; only its own database, and refused once it has ended. */
  async using<D = DB>(alias: string = this.alias): Promise<Kysely<D>> {
    this.#check();
    if (alias !== this.alias) {
      throw new DistdbError('usage', `this transaction is on database "${this.alias}", not "${alias}"`);
    }
    // Every query it builds checks first: a Kysely kept past the end must not write outside it.
    const guard: KyselyPlugin = {
      transformQuery: (args) => {
        this.#check();
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    // The database type is a declaration about its tables; the instance is the same.
    return (await this.conn.kysely()).withPlugin(guard) as Kysely<D>;
  }
}
