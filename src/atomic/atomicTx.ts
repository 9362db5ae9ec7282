import type { Kysely } from 'kysely';
import type { AnyDatabase, Connection } from '../db/dialect.js';
import { DistdbError } from '../errors.js';
import type { AnyModel } from '../models/model.js';
import { RecordApi } from '../queries/api.js';
import type { Access, QueryContext } from '../queries/context.js';
import { writeAccess } from '../queries/fence.js';
import { placedAccess } from '../queries/placedAccess.js';
import { placementOf, type Side } from '../queries/placement.js';
import type { TxHost } from '../queries/transaction.js';
import type { Attempt } from './attempt.js';

/**
 * The record operations of one `atomic` callback: every database they reach joins the
 * transaction on first use, and its reads lock the rows they return until it ends.
 */
export class AtomicTx<DB = AnyDatabase> extends RecordApi<DB> {
  constructor(
    private readonly host: TxHost,
    private readonly attempt: Attempt,
  ) {
    super();
  }

  async #access(alias: string, side: Side): Promise<Access> {
    const part = await this.attempt.join(alias, side === 'write');
    // Without two-phase commit (SQLite) the database has no connection beside the transaction's.
    const outside = part.twoPhase ? part.pool : part.open.conn;
    return { alias, conn: part.open.conn, inTransaction: true, outside, lockReads: true };
  }

  protected context(): QueryContext {
    const { host } = this;
    const access = (alias: string, side: Side) => this.#access(alias, side);
    // Looking records up where they are written (a delete's references, say) writes nothing.
    const lookups = placedAccess(placementOf(host), (alias) => this.#access(alias, 'read'), host.idBlocks);
    const writeAlias = (m: AnyModel, record?: Readonly<Record<string, unknown>>) =>
      host.writeAlias(m, record ? { record } : {});
    return {
      models: host.models,
      model: (label) => host.model(label),
      ...placedAccess(placementOf(host), access, host.idBlocks),
      groups: lookups.groups,
      writer: async (m, record) =>
        writeAccess(host.shards(m), m, await access(writeAlias(m, record), 'write')),
      writerAt: async (m, alias, version) =>
        writeAccess(host.shards(m), m, await access(alias, 'write'), version),
      writeAlias,
      database: (alias) => access(alias, 'write'),
      // A write turned away by a reshard's switch fails the transaction, which may be run again.
      relayout: async () => false,
      atomic: true,
    };
  }

  /**
   * The transaction's connection to `alias`, joined as written: for distdb's own rows that must
   * commit with the records (a simulation's journal), never for an application's statements.
   */
  async ownRows(alias: string): Promise<Connection> {
    return (await this.#access(alias, 'write')).conn;
  }

  protected beforeWrite(model: AnyModel): Promise<void> {
    return this.host.checkSchema(model);
  }

  /** Kysely is not offered inside `atomic`: its statements would bypass the transaction's databases. */
  async using<D = DB>(): Promise<Kysely<D>> {
    throw new DistdbError(
      'usage',
      'atomic: use the model calls of tx (Kysely is offered by transaction(alias, fn))',
    );
  }
}
