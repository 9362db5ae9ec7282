import { DistdbError } from '../../../errors.js';
import type { Connection, OpenTransaction, Row, SqlValue, TwoPhase } from '../../dialect.js';

/** A server's statements for two-phase commit (its `twoPhase.ts`). Ids are checked before they reach SQL. */
export interface TwoPhaseSql {
  begin(xid: string, lockWaitMs: number): string[];
  prepare(xid: string): string[];
  commit(xid: string): string[];
  rollback(xid: string): string[];
  /** Phase two on the session that prepared the transaction (MariaDB keeps it bound to it until then). */
  commitHere(xid: string): string[];
  rollbackHere(xid: string): string[];
  commitPrepared(xid: string): string;
  rollbackPrepared(xid: string): string;
  /** Lists the transactions prepared here: one row each, the id in `xidColumn`. */
  readonly listPrepared: string;
  readonly xidColumn: string;
  /** Phase two named an id that is not prepared here. */
  unknownXid(err: unknown): boolean;
  disabledBy(err: unknown): string | undefined;
  /** A query whose one row `n` says how many transactions may be prepared at once (none: no limit to ask). */
  readonly capacity?: string;
  /** Why none can be prepared, when `capacity` is 0. */
  readonly offBecause?: string;
  /**
   * Lost to another transaction, before anything was committed: a deadlock, a serialization
   * failure, a lock wait that ran out (`lockWaitMs` of `begin`). Not a lost connection: a
   * commit whose answer was lost may have happened.
   */
  conflict(err: unknown): boolean;
}

/**
 * A pool client checked out with a transaction begun on it: `send` runs statements on it,
 * `end` runs the last ones and returns it (once); a failure of either discards the client.
 */
export interface OpenClient {
  readonly conn: Connection;
  send(statements: readonly string[]): Promise<void>;
  end(statements: readonly string[]): Promise<void>;
}

/** What two-phase commit needs of a server connection. */
export interface TwoPhaseHost {
  open(begin: readonly string[]): Promise<OpenClient>;
  query(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  execute(sql: string): Promise<unknown>;
}

const XID = /^[A-Za-z0-9-]{1,64}$/;

function checked(xid: string): string {
  if (!XID.test(xid)) throw new DistdbError('runtime', `not a transaction id: ${JSON.stringify(xid)}`);
  return xid;
}

export function twoPhaseOf(host: TwoPhaseHost, sql: TwoPhaseSql): TwoPhase {
  const ended = async (statement: string): Promise<boolean> => {
    try {
      await host.execute(statement);
      return true;
    } catch (err) {
      if (sql.unknownXid(err)) return false;
      throw err;
    }
  };
  let unavailable: Promise<string | undefined> | undefined;
  return {
    unavailable: () => {
      unavailable ??= (async () => {
        if (!sql.capacity) return undefined;
        const [row] = await host.query(sql.capacity);
        return Number(row?.n ?? 0) > 0 ? undefined : sql.offBecause;
      })();
      // A failure to ask is not remembered: the next call asks again.
      unavailable.catch(() => {
        unavailable = undefined;
      });
      return unavailable;
    },
    begin: async (xid, lockWaitMs): Promise<OpenTransaction> => {
      const id = checked(xid);
      const client = await host.open(sql.begin(id, lockWaitMs));
      let prepared = false;
      return {
        conn: client.conn,
        prepare: async () => {
          await client.send(sql.prepare(id));
          prepared = true;
        },
        commit: () => client.end(prepared ? sql.commitHere(id) : sql.commit(id)),
        rollback: () => client.end(prepared ? sql.rollbackHere(id) : sql.rollback(id)),
      };
    },
    prepared: async (prefix) => {
      const rows = await host.query(sql.listPrepared);
      return rows.map((r) => String(r[sql.xidColumn])).filter((x) => x.startsWith(prefix));
    },
    commitPrepared: (xid) => ended(sql.commitPrepared(checked(xid))),
    rollbackPrepared: (xid) => ended(sql.rollbackPrepared(checked(xid))),
    disabledBy: (err) => sql.disabledBy(err),
    retryable: (err) => sql.conflict(err),
  };
}
