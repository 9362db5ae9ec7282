import { closeSync, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { DistdbError, errorMessage } from '../../../errors.js';
import type { MinorUnits } from '../../../schema/decimal.js';
import type { ColumnDef, TableDef } from '../../../schema/tableDef.js';
import type {
  AnyKysely,
  Connection,
  ConnectOptions,
  Dialect,
  HeldLock,
  Row,
  RowWrite,
  SqlValue,
} from '../../dialect.js';
import { noted } from '../../failedSql.js';
import type { DatabaseUrl } from '../../url.js';
import { decodeDecimal, SqliteBulk } from './bulk.js';
import { isBusy } from './errors.js';
import { fileLockHeld, holdFileLock, lockPath } from './fileLock.js';
import { quoteId } from './ident.js';
import { Session } from './session.js';
import { safeNumbers } from './values.js';
import { writeTurn } from './writeTurn.js';

/** Prepared statements a connection keeps. */
const STATEMENT_CACHE = 256;

type Statement = Database.Statement<unknown[], unknown>;

/** Pages of WAL between automatic checkpoints (of 4 KB each: 32 MB). */
export const WAL_CHECKPOINT_PAGES = 8192;

/** `sqlite:PATH`, `sqlite://PATH`, `sqlite:///ABS/PATH` or `sqlite::memory:`. */
export function sqlitePath(url: DatabaseUrl): string {
  let rest = url.raw.slice(url.raw.indexOf(':') + 1);
  if (rest.startsWith('//')) rest = rest.slice(2);
  if (rest === ':memory:' || rest === '') return ':memory:';
  return resolve(rest);
}

/**
 * Files distdb creates are readable by their owner only: they hold the application's data. A
 * file that is already there (or a symlink) is not distdb's to change: its mode stays as it is.
 */
function prepareFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw err;
  }
  try {
    // The umask may have taken bits away, never added: this only makes sure of 0600.
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Switching to (or confirming) WAL can meet another process closing or recovering the same
 * file, which SQLite reports as busy at once, without waiting in its busy handler: retried
 * for up to ten seconds.
 */
function whileBusy<T>(step: () => T): T {
  for (const start = Date.now(); ; Atomics.wait(pause, 0, 0, 20)) {
    try {
      return step();
    } catch (err) {
      // Extended codes included: SQLITE_BUSY_RECOVERY is the other process recovering the WAL.
      const busy = isBusy(err) || String((err as { code?: unknown })?.code).startsWith('SQLITE_BUSY');
      if (!busy || Date.now() - start > 10_000) throw err;
    }
  }
}

export class SqliteConnection implements Connection {
  readonly #db: Database.Database;
  /** Prepared statements by their SQL, oldest first. */
  readonly #statements = new Map<string, Statement>();
  readonly #session: Session;
  readonly #bulk: SqliteBulk;
  #kysely: Promise<AnyKysely> | undefined;
  readonly #sharedWriter: boolean;
  readonly #path: string;

  constructor(
    readonly dialect: Dialect,
    readonly url: DatabaseUrl,
    options: ConnectOptions = {},
  ) {
    this.#sharedWriter = options.sharedWriter ?? false;
    const path = sqlitePath(url);
    this.#path = path;
    try {
      if (path !== ':memory:') prepareFile(path);
      this.#db = new Database(path);
      const db = this.#db;
      whileBusy(() => db.pragma('journal_mode = WAL'));
      // FULL: a committed batch survives power loss, not just a process crash.
      this.#db.pragma('synchronous = FULL');
      this.#db.pragma('busy_timeout = 30000');
      // Checkpoint every 32 MB of WAL rather than 4 MB: a checkpoint writes and syncs the main
      // file, and with big batches the default makes nearly every commit pay for one.
      this.#db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
      // better-sqlite3 defaults to a 16 MB page cache per connection; with a connection per
      // worker per database that multiplies, and other workers' commits invalidate it anyway.
      this.#db.pragma(`cache_size = -${options.cacheKb ?? 2048}`);
      // INTEGER values beyond 2^53 (decimals of up to 18 digits in minor units) read exactly.
      this.#db.defaultSafeIntegers(true);
      this.#session = new Session(db);
      this.#bulk = new SqliteBulk({
        session: this.#session,
        statement: (sql) => this.#prepare(sql),
        transaction: (fn) => this.transaction(() => fn()),
      });
    } catch (err) {
      throw new DistdbError('connection', `cannot open ${url.redacted}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }

  #prepare(sql: string): Statement {
    let stmt = this.#statements.get(sql);
    if (stmt) return stmt;
    stmt = noted(sql, () => this.#db.prepare(sql));
    // Bounded: queries differ in their text (list lengths, long id lists written as literals),
    // and a connection may live as long as its application. The oldest is let go first.
    if (this.#statements.size >= STATEMENT_CACHE) {
      const oldest = this.#statements.keys().next().value;
      if (oldest !== undefined) this.#statements.delete(oldest);
    }
    this.#statements.set(sql, stmt);
    return stmt;
  }

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.#session.exclusive(() =>
      noted(sql, () => safeNumbers(this.#prepare(sql).all(...params) as Row[]) as T[]),
    );
  }

  async execute(
    sql: string,
    params: readonly SqlValue[] = [],
  ): Promise<{ changes: number; insertId?: number }> {
    return writeTurn(() =>
      this.#session.exclusive(() => {
        const r = noted(sql, () => this.#prepare(sql).run(...params));
        return { changes: r.changes, insertId: Number(r.lastInsertRowid) };
      }),
    );
  }

  /**
   * One transaction at a time on the connection (concurrent callers wait their turn); nested
   * calls become savepoints. The outermost takes the write lock up front (IMMEDIATE) so two
   * writers never deadlock upgrading read locks.
   */
  async transaction<T>(fn: (tx: Connection) => Promise<T>): Promise<T> {
    // The next writer is likely another connection, which makes these pages stale: give the
    // memory back now rather than hold a cache per connection.
    const shrink = this.#sharedWriter ? () => this.#db.pragma('shrink_memory') : undefined;
    return writeTurn(() => this.#session.transaction('BEGIN IMMEDIATE', () => fn(this), shrink));
  }

  // SQLite's write lock is database-wide and cross-process, and its DDL is transactional, so a
  // write transaction is the lock.
  async withLock<T>(_name: string, fn: () => Promise<T>): Promise<T> {
    return this.transaction(() => fn());
  }

  async holdLock(name: string): Promise<HeldLock | undefined> {
    return holdFileLock(lockPath(this.#path, name));
  }

  async lockHeld(name: string): Promise<boolean> {
    return fileLockHeld(lockPath(this.#path, name));
  }

  async connectionHeadroom(): Promise<undefined> {
    return undefined;
  }

  /** Text in a STRICT table has no length. */
  async textLength(): Promise<undefined> {
    return undefined;
  }

  async tableExists(table: string): Promise<boolean> {
    const rows = await this.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", [
      table,
    ]);
    return rows.length > 0;
  }

  insertBatch(table: TableDef, rows: readonly Row[]): Promise<RowWrite[]> {
    return this.#bulk.insertBatch(table, rows);
  }

  integerRange(table: TableDef, column: string, low: number, high: number): Promise<number[]> {
    return this.#bulk.integerRange(table, column, low, high);
  }

  existing(table: TableDef, column: string, values: readonly SqlValue[]): Promise<Set<string>> {
    return this.#bulk.existing(table, column, values);
  }

  decodeDecimal(value: SqlValue): MinorUnits {
    return decodeDecimal(value);
  }

  async truncate(table: string): Promise<number> {
    return (await this.execute(`DELETE FROM ${quoteId(table)}`)).changes;
  }

  async runCompiled(sql: string, params: readonly unknown[]): Promise<{ rows: Row[]; changes: number }> {
    const stmt = noted(sql, () => this.#prepare(sql));
    if (stmt.reader)
      return this.#session.exclusive(() =>
        noted(sql, () => ({ rows: safeNumbers(stmt.all(...params) as Row[]), changes: 0 })),
      );
    return writeTurn(() =>
      this.#session.exclusive(() => noted(sql, () => ({ rows: [], changes: stmt.run(...params).changes }))),
    );
  }

  /** SQLite stores values as they are in storage form. */
  encodeParam(_column: ColumnDef, value: SqlValue): unknown {
    return value;
  }

  /** Kysely over this connection's session (see sqliteKysely), made on first use. */
  kysely(): Promise<AnyKysely> {
    this.#kysely ??= import('./kysely.js').then(({ sqliteKysely }) =>
      sqliteKysely({
        session: this.#session,
        statement: (sql) => this.#prepare(sql),
        rows: (rows) => safeNumbers(rows as Row[]),
      }),
    );
    return this.#kysely;
  }

  async close(): Promise<void> {
    await this.#session.close();
    this.#statements.clear();
    if (this.#db.open) this.#db.close();
  }
}
