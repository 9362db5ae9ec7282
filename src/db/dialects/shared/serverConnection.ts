import { DistdbError } from '../../../errors.js';
import type { MinorUnits } from '../../../schema/decimal.js';
import type { ColumnDef, TableDef } from '../../../schema/tableDef.js';
import type { AnyKysely } from '../../dialect.js';
import {
  type Connection,
  type Dialect,
  type HeldLock,
  keyOf,
  type Row,
  type RowWrite,
  type SqlValue,
  type TwoPhase,
} from '../../dialect.js';
import { noteFailedSql } from '../../failedSql.js';
import { whileRefused } from '../../retry.js';
import type { DatabaseUrl } from '../../url.js';
import { chunk } from './insertPlan.js';
import { type LockSession, releaseSession } from './lockSession.js';
import { connectionError, parseServerUrl } from './server.js';
import { type OpenClient, type TwoPhaseSql, twoPhaseOf } from './twoPhase.js';
import { decodeDecimalText } from './values.js';

const EXISTING_CHUNK = 1000;

/** What differs between the servers only in text: a few statements, the default port, the DDL. */
export interface ServerTraits {
  /** Opens a transaction on a checked-out client. */
  readonly begin: string;
  /** Portable SQL with one `?` (the table name): a row where the table exists in the current schema. */
  readonly tableExists: string;
  /** Portable SQL with two `?` (table, column): a row `n` with the column's character length. */
  readonly textLength: string;
  /** Named by `connectionHeadroom` where the URL names no port. */
  readonly defaultPort: string;
  readonly twoPhase: TwoPhaseSql;
}

/**
 * A server pool (`P`), or a view of one checked-out client (`C`) inside `transaction()`: the same
 * class, so code given the transaction sees the full Connection interface. Transactions,
 * savepoints, locking and the simple queries live here; a backend supplies how to send SQL
 * (results `R`), check clients out and back in, and everything that needs its own SQL.
 */
export abstract class ServerConnection<P, C, R> implements Connection {
  protected readonly pool: P;
  /** Set on a transaction view: every statement runs on this client. */
  protected readonly client: C | undefined;
  readonly #traits: ServerTraits;
  readonly #depth: number;
  /** Whether this transaction view may still be used. */
  #open = true;
  #kysely: Promise<AnyKysely> | undefined;
  #twoPhase: TwoPhase | undefined;

  protected constructor(
    readonly dialect: Dialect,
    readonly url: DatabaseUrl,
    traits: ServerTraits,
    pool: P,
    client: C | undefined,
    depth: number,
  ) {
    this.#traits = traits;
    this.pool = pool;
    this.client = client;
    this.#depth = depth;
  }

  // ---- Driver hooks ----------------------------------------------------------------------------

  /** A view bound to `client`, `depth` transactions deep. */
  protected abstract view(client: C, depth: number): ServerConnection<P, C, R>;
  /** Runs SQL, in the driver's own placeholder style, on `client`, or on the pool when undefined. */
  protected abstract send(client: C | undefined, sql: string, params: readonly unknown[]): Promise<R>;
  protected abstract checkOut(): Promise<C>;
  /** Returns a client to the pool; a `broken` one (it could not roll back) is discarded instead. */
  protected abstract checkIn(client: C, broken: Error | undefined): void;
  /** Connects a lock session; a failure is reported as a (sanitized) connection error. */
  protected abstract openLockSession(name: string): Promise<LockSession>;
  abstract lockHeld(name: string): Promise<boolean>;
  /** The password the connection errors must not show. */
  protected abstract get password(): string | undefined;
  /** Says what went wrong when connecting, where the driver's message does not (see ExplainConnectFailure). */
  protected abstract explainConnectFailure(err: unknown): string | undefined;
  /** Ends the pool, once. */
  protected abstract endPool(): Promise<void>;
  /** Kysely on the pool, or on `client` (a transaction's) while `open()` holds. */
  protected abstract makeKysely(client: C | undefined, open: () => boolean): Promise<AnyKysely>;
  /**
   * How many more connections the server accepts from this URL's user now: the least of the
   * server's free slots and any limit on the user (and, where there is one, the database).
   */
  protected abstract freeConnections(): Promise<number>;
  /** For `existing`: the positions in `part` (non-null values) of those stored in `col`. */
  protected abstract existingLookup(
    table: TableDef,
    col: ColumnDef,
    lock: boolean,
  ): (part: readonly SqlValue[]) => Promise<readonly number[]>;

  abstract query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  abstract execute(
    sql: string,
    params?: readonly SqlValue[],
  ): Promise<{ changes: number; insertId?: number }>;
  abstract insertBatch(table: TableDef, rows: readonly Row[]): Promise<RowWrite[]>;
  abstract runCompiled(sql: string, params: readonly unknown[]): Promise<{ rows: Row[]; changes: number }>;
  abstract encodeParam(column: ColumnDef, value: SqlValue): unknown;
  abstract integerRange(table: TableDef, column: string, low: number, high: number): Promise<number[]>;

  // ---- Shared behaviour ------------------------------------------------------------------------

  /** SQL already in the driver's placeholder style, on this view's client (or the pool). */
  protected run(sql: string, params: readonly unknown[] = []): Promise<R> {
    if (!this.#open) return Promise.reject(new DistdbError('runtime', 'transaction used after it ended'));
    return this.send(this.client, sql, params).catch((err: unknown) => {
      noteFailedSql(err, sql);
      throw err;
    });
  }

  /** On the pool only: a transaction view cannot begin another transaction beside its own. */
  get twoPhase(): TwoPhase | undefined {
    if (this.client) return undefined;
    this.#twoPhase ??= twoPhaseOf(
      {
        open: (begin) => this.#openClient(begin),
        query: (q, params) => this.query(q, params),
        execute: (q) => this.execute(q),
      },
      this.#traits.twoPhase,
    );
    return this.#twoPhase;
  }

  /** A client with `begin` sent on it, kept out of the pool until `end` (a failed `end` discards it). */
  async #openClient(begin: readonly string[]): Promise<OpenClient> {
    const client = await this.checkOut();
    const tx = this.view(client, 1);
    let ended = false;
    const send = async (statements: readonly string[]) => {
      if (ended) throw new DistdbError('runtime', 'transaction used after it ended');
      try {
        for (const statement of statements) await this.send(client, statement, []);
      } catch (err) {
        // The server ends what the session left open (not prepared) when the client is discarded.
        ended = true;
        tx.#open = false;
        this.checkIn(client, err instanceof Error ? err : new Error(String(err)));
        throw err;
      }
    };
    const end = async (statements: readonly string[]) => {
      tx.#open = false;
      await send(statements);
      ended = true;
      this.checkIn(client, undefined);
    };
    await send(begin);
    return { conn: tx, send, end };
  }

  kysely(): Promise<AnyKysely> {
    this.#kysely ??= this.makeKysely(this.client, () => this.#open);
    return this.#kysely;
  }

  async transaction<T>(fn: (tx: Connection) => Promise<T>): Promise<T> {
    if (this.client) return this.#savepoint(this.client, fn);
    const client = await this.checkOut();
    let broken: Error | undefined;
    const tx = this.view(client, 1);
    try {
      await this.send(client, this.#traits.begin, []);
      const result = await fn(tx);
      await this.send(client, 'COMMIT', []);
      return result;
    } catch (err) {
      // A client that cannot even roll back is discarded rather than returned to the pool.
      await this.send(client, 'ROLLBACK', []).catch((e: unknown) => {
        broken = e instanceof Error ? e : new Error(String(e));
      });
      throw err;
    } finally {
      tx.#open = false;
      this.checkIn(client, broken);
    }
  }

  async #savepoint<T>(client: C, fn: (tx: Connection) => Promise<T>): Promise<T> {
    const name = `distdb_sp${this.#depth}`;
    await this.run(`SAVEPOINT ${name}`);
    const tx = this.view(client, this.#depth + 1);
    try {
      const result = await fn(tx);
      await this.run(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      // If this fails too the enclosing transaction is lost anyway; the first error says why.
      await this.run(`ROLLBACK TO SAVEPOINT ${name}`)
        .then(() => this.run(`RELEASE SAVEPOINT ${name}`))
        .catch(() => {});
      throw err;
    } finally {
      tx.#open = false;
    }
  }

  async #lockSession(name: string): Promise<LockSession> {
    try {
      return await whileRefused(this.dialect, () => this.openLockSession(name));
    } catch (err) {
      throw connectionError(this.url, err, this.password, (e) => this.explainConnectFailure(e));
    }
  }

  /** Runs `take` on a new session; the session is ended unless `take` grants the lock. */
  async #granted(name: string, take: (s: LockSession) => Promise<boolean>): Promise<LockSession | undefined> {
    const session = await this.#lockSession(name);
    let granted: boolean;
    try {
      granted = await take(session);
    } catch (err) {
      await session.end().catch(() => {});
      throw err;
    }
    if (granted) return session;
    await session.end().catch(() => {});
    return undefined;
  }

  async withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const session = await this.#granted(name, (s) => s.acquire());
    if (!session)
      throw new DistdbError('migration', `another distdb process is already migrating ${this.url.redacted}`);
    try {
      return await fn();
    } finally {
      await releaseSession(session);
    }
  }

  async holdLock(name: string): Promise<HeldLock | undefined> {
    const session = await this.#granted(name, (s) => s.tryAcquire());
    return session && { lost: session.lost, release: () => releaseSession(session) };
  }

  async connectionHeadroom(): Promise<{ server: string; available: number }> {
    const available = await this.freeConnections();
    const u = parseServerUrl(this.url);
    return {
      server: `${u.hostname || 'localhost'}:${u.port || this.#traits.defaultPort}`,
      available: Math.max(0, available),
    };
  }

  async tableExists(table: string): Promise<boolean> {
    return (await this.query(this.#traits.tableExists, [table])).length > 0;
  }

  async textLength(table: string, column: string): Promise<number | undefined> {
    const [row] = await this.query<{ n: number | null }>(this.#traits.textLength, [table, column]);
    return row?.n == null ? undefined : Number(row.n);
  }

  /** Which of `values` are stored, asked in chunks so a statement stays a reasonable size. */
  async existing(
    table: TableDef,
    column: string,
    values: readonly SqlValue[],
    lock = false,
  ): Promise<Set<string>> {
    const col = table.columns.find((c) => c.name === column);
    if (!col) throw new DistdbError('runtime', `table ${table.name} has no column ${column}`);
    const lookup = this.existingLookup(table, col, lock);
    const found = new Set<string>();
    for (const part of chunk(
      values.filter((v) => v !== null),
      EXISTING_CHUNK,
    )) {
      for (const n of await lookup(part)) found.add(keyOf(part[n] as SqlValue, col.caseInsensitive));
    }
    return found;
  }

  decodeDecimal(value: SqlValue, scale: number): MinorUnits {
    return decodeDecimalText(value, scale);
  }

  async truncate(table: string): Promise<number> {
    return (await this.execute(`DELETE FROM ${this.dialect.quoteId(table)}`)).changes;
  }

  /** Ends the pool; a transaction view does not own it, so closing one does nothing. */
  async close(): Promise<void> {
    if (this.client) return;
    await this.endPool();
  }
}
