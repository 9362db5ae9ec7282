import type { Kysely } from 'kysely';
import type { MinorUnits } from '../schema/decimal.js';
import type { SchemaOperation } from '../schema/operations.js';
import type { ColumnDef, TableDef } from '../schema/tableDef.js';
import type { DatabaseUrl } from './url.js';

/**
 * A value as stored, in and out of every backend alike: decimals as integer minor units (encoded
 * by the dialect), booleans as 0/1, timestamps as UTC ISO text (`2024-05-01T12:30:00.000Z`).
 */
/** Kysely over a database whose tables it is not told about (see Distdb.using). */
// biome-ignore lint/suspicious/noExplicitAny: Kysely's own type for an untyped database.
export type AnyKysely = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: the database type of an AnyKysely.
export type AnyDatabase = any;

export type SqlValue = string | number | bigint | null;
export type Row = Record<string, SqlValue>;

export interface DialectCapabilities {
  /** DDL inside a transaction is rolled back with it. */
  readonly transactionalDdl: boolean;
  /** A local file or in-memory database that distdb may reset without confirmation. */
  readonly embedded: boolean;
  /**
   * Transactions inserting different unique keys into one table neither wait for nor deadlock
   * with each other, and an insert of a key another open transaction inserted waits for it.
   * Then a batch may write while the previous one commits (see CommitTurns.writeTurn). Unique
   * text must compare exactly, or through lower() where case-insensitive (see keyDigest).
   */
  readonly overlappingWrites: boolean;
  /** Transactions can be prepared and committed later by id (two-phase commit). */
  readonly twoPhase: boolean;
}

/**
 * Outcome of one row of an insert batch. `column` names the column at fault where the backend
 * says which; for a unique conflict it may be left out (callers look the taken values up).
 */
export type RowWrite =
  | { readonly ok: true }
  | { readonly ok: false; readonly violation: 'unique'; readonly column?: string }
  | { readonly ok: false; readonly violation: 'check' | 'not_null'; readonly column?: string };

export interface ConnectOptions {
  /** Connections this handle may open at once (server backends). */
  readonly poolSize?: number;
  /** Memory this connection may use for caching pages (embedded backends). */
  readonly cacheKb?: number;
  /**
   * Other connections write the same database between this one's transactions, which makes its
   * cached pages stale anyway: release them after each write transaction (embedded backends).
   */
  readonly sharedWriter?: boolean;
}

/**
 * A lock held until `release()` or until the process holding it dies, whichever comes first: the
 * operating system or the database server gives it up with the process, kill -9 included.
 */
export interface HeldLock {
  /** Aborted, with the reason, if the lock goes before `release()` (its session was cut off). */
  readonly lost: AbortSignal;
  /** Gives the lock up; never throws (a session already gone holds nothing any more). */
  release(): Promise<void>;
}

export interface Dialect {
  /** Backend name shown to users: sqlite, postgres, mysql. */
  readonly backend: string;
  readonly schemes: readonly string[];
  readonly capabilities: DialectCapabilities;
  /**
   * The DDL statements of one migration step, in order. They are run on one session (as the
   * migrator does, in a transaction): a step may keep state between its statements. Rejects
   * with a config error for a step this backend cannot hold.
   */
  ddl(op: SchemaOperation): Promise<string[]>;
  connect(url: DatabaseUrl, options?: ConnectOptions): Promise<Connection>;
  /** A table, column or index name as this backend quotes it: SQL words are names too. */
  quoteId(name: string): string;
  /**
   * A text column as an ORDER BY term comparing byte for byte (UTF-8, so by code point), whatever
   * the column's or database's collation: results merged from several databases need one order.
   */
  binaryOrder(column: string): string;
  /**
   * The statements that make every insert, update and delete of `table` add the row's id to
   * `distdb_reshard_changes` in the writing transaction (`install`, rerunnable), and that stop
   * it (`remove`): how a reshard learns what changed after it copied a row.
   */
  captureSql(table: TableDef): { install: string[]; remove: string[] };
  /** What ends a SELECT that locks the rows it reads against writers until the transaction ends. */
  readonly shareLock: string;
  /**
   * What ends a SELECT that locks the rows it reads against other writers and lockers until the
   * transaction ends (empty where a write transaction holds the whole database, as SQLite's).
   */
  readonly updateLock: string;
  /** How many connections a handle on `url` opens at most (servers; an embedded database has one). */
  poolSize?(url: DatabaseUrl): number;
  /** Throws a config error for a URL this backend cannot use, without connecting. */
  checkUrl(url: DatabaseUrl): void;
  /** A driver error that is a constraint refusing one row (unique, check, not null), as its outcome. */
  rowFailure(table: TableDef, err: unknown): RowWrite | undefined;
  /** A failure worth retrying as is: deadlock, serialization failure, busy, connection reset. */
  isTransient(err: unknown): boolean;
  /**
   * The server turned a new connection away for now: too many connections (on the server or
   * for this user), or it is starting up. Worth connecting again after a pause.
   */
  isTemporaryRefusal(err: unknown): boolean;
  /**
   * Whether the database is there, without creating it (connecting creates an embedded file).
   * Absent for backends where connecting creates nothing.
   */
  exists?(url: DatabaseUrl): boolean;
  /** Streaming replication, where the backend's servers have it (read replicas). */
  readonly replication?: Replication;
}

/**
 * A primary's log and its standbys' place in it. A position is the backend's own text (a
 * PostgreSQL LSN, a MariaDB GTID list); every transaction committed before `position` returns
 * lies before it.
 */
export interface Replication {
  /** Where the primary's log ends now. */
  position(conn: Connection): Promise<string>;
  /** What a server says of itself: `standby` is false for one that is not (promoted, say). */
  standby(conn: Connection): Promise<{ readonly standby: boolean; readonly replayed?: string }>;
  /** Which data this is: the same for a primary's database and that database on its standbys. */
  identity(conn: Connection): Promise<string>;
  /** What `distance` counts: bytes of log (PostgreSQL; the default), or transactions (MariaDB GTIDs). */
  readonly unit?: 'bytes' | 'transactions';
  /** How much log lies from `from` to `to` (in `unit`): negative when `to` lies before `from`. */
  distance(from: string, to: string): number;
}

/**
 * A session to one database, as a driver gives it: SQL in (portable SQL with `?` placeholders
 * and unquoted lower-case identifiers, translated by the dialect; or SQL Kysely compiled for the
 * backend), rows out in storage form, transactions and locks.
 */
export interface DriverSession {
  readonly dialect: Dialect;
  readonly url: DatabaseUrl;
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  execute(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number; insertId?: number }>;
  /**
   * Runs SQL compiled for this backend (Kysely's `compile()`: its quoting and placeholders),
   * with values from `encodeParam`; rows come back in storage form, as from `query`.
   */
  runCompiled(sql: string, params: readonly unknown[]): Promise<{ rows: Row[]; changes: number }>;
  /** A value of `column` in storage form, as this backend's driver takes it in a query. */
  encodeParam(column: ColumnDef, value: SqlValue): unknown;
  /**
   * Kysely on this database, made on first use. Inside `transaction()` (called on the
   * transaction's connection) its queries run in the transaction.
   */
  kysely(): Promise<AnyKysely>;
  /**
   * Runs `fn` in one write transaction: one at a time per connection where the backend has one
   * session (SQLite), serialized against other writers where the backend needs it.
   */
  transaction<T>(fn: (tx: Connection) => Promise<T>): Promise<T>;
  /** Two-phase commit on this database, where the backend has it (the servers). */
  readonly twoPhase?: TwoPhase;
  /** Runs `fn` while holding a named, cross-process lock on this database. */
  withLock<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Takes the named lock without waiting and holds it until released or until this process
   * dies. Undefined when another session holds it. Names are short ASCII words.
   */
  holdLock(name: string): Promise<HeldLock | undefined>;
  /** Whether a session (of this process or any other) holds the lock `name` of `holdLock` now. */
  lockHeld(name: string): Promise<boolean>;
  close(): Promise<void>;
}

/** A transaction that stays open across calls until one of its ends is called (once). */
export interface OpenTransaction {
  /** Runs statements in the transaction (a `transaction()` inside it is a savepoint). */
  readonly conn: Connection;
  /**
   * Phase one: afterwards the transaction outlives this session, and a server restart, until it
   * is ended, by `commit`/`rollback` here or by its id from any session (TwoPhase).
   */
  prepare(): Promise<void>;
  /** Commits the transaction: in one phase, or the second phase once it is prepared. */
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/**
 * Two-phase commit: a transaction prepared under a global id (ASCII letters, digits and `-`) is
 * committed or rolled back later by that id, from any session.
 */
export interface TwoPhase {
  /** Why this server cannot prepare transactions now (a setting), or undefined when it can; asked once. */
  unavailable(): Promise<string | undefined>;
  /** A transaction that may be prepared as `xid`; a lock it waits for longer than `lockWaitMs` fails the statement. */
  begin(xid: string, lockWaitMs: number): Promise<OpenTransaction>;
  /** The ids starting with `prefix` of the transactions prepared here and not yet ended. */
  prepared(prefix: string): Promise<string[]>;
  /** Phase two; false when no transaction of that id is prepared here (it was ended already). */
  commitPrepared(xid: string): Promise<boolean>;
  rollbackPrepared(xid: string): Promise<boolean>;
  /** A failure inside such a transaction worth running it again for: a deadlock, a lock wait that ran out (never a lost connection). */
  retryable(err: unknown): boolean;
  /** What to change on the server when a failure of `prepare` says it has two-phase commit turned off. */
  disabledBy(err: unknown): string | undefined;
}

/** What the database says about itself. */
export interface Introspection {
  tableExists(table: string): Promise<boolean>;
  /** The most characters a text column holds; undefined where its text has no length (or it does not exist). */
  textLength(table: string, column: string): Promise<number | undefined>;
  /**
   * For a server: which server this is (`host:port`) and how many more connections it accepts
   * now. Undefined where connections are not limited (embedded files).
   */
  connectionHeadroom(): Promise<{ server: string; available: number } | undefined>;
}

/** The bulk paths: each backend's fastest way to write and look up many rows. */
export interface BulkWrites {
  /** Inserts rows in one transaction; a constraint violation fails that row only. */
  insertBatch(table: TableDef, rows: readonly Row[]): Promise<RowWrite[]>;
  /**
   * The values of an integer key column from `low` to `high` inclusive, in no particular order,
   * as compactly as the backend allows: reads a whole key column range by range.
   */
  integerRange(table: TableDef, column: string, low: number, high: number): Promise<number[]>;
  /**
   * Which of `values` already exist in `column` (compared case-insensitively where the column is).
   * `lock`: the rows found are locked against deletes and key changes until the transaction ends
   * (as a foreign key's check locks them; nothing to lock where a write transaction holds the
   * whole database).
   */
  existing(
    table: TableDef,
    column: string,
    values: readonly SqlValue[],
    lock?: boolean,
  ): Promise<Set<string>>;
  /**
   * Converts a stored value of a decimal column back to integer minor units, exactly: a number
   * while it is a safe integer, a bigint beyond.
   */
  decodeDecimal(value: SqlValue, scale: number): MinorUnits;
  /** Empties a table; returns the number of rows removed. */
  truncate(table: string): Promise<number>;
}

/** One open database: its driver session, introspection and bulk paths (DDL is the Dialect's). */
export interface Connection extends DriverSession, Introspection, BulkWrites {}

/** Key used by `existing` results: case-folded where the column compares case-insensitively. */
export function keyOf(value: SqlValue, caseInsensitive: boolean | undefined): string {
  const s = String(value);
  return caseInsensitive ? s.toLowerCase() : s;
}
