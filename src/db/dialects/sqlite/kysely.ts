import type Database from 'better-sqlite3';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import type { AnyDatabase, AnyKysely } from '../../dialect.js';
import type { Session } from './session.js';

type Statement = Database.Statement<unknown[], unknown>;

/** What the driver borrows from its connection: the shared session and its statement cache. */
export interface SqliteHost {
  readonly session: Session;
  statement(sql: string): Statement;
  /** Rows as distdb reads them: integers as numbers while exact, bigints beyond. */
  rows(rows: unknown[]): unknown[];
}

/**
 * A Kysely instance over a distdb SQLite connection. Kysely's SQL (quoting, compiling,
 * introspection) with the connection's one session: a Kysely query waits for a distdb
 * transaction on the connection to end, or runs in it when called from inside it.
 */
export function sqliteKysely(host: SqliteHost): AnyKysely {
  return new Kysely<AnyDatabase>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new SessionDriver(host),
      createQueryCompiler: () => new SqliteQueryCompiler(),
      createIntrospector: (db) => new SqliteIntrospector(db),
    },
  });
}

class SessionConnection implements DatabaseConnection {
  /** Set while a Kysely transaction holds the session: its statements run at once. */
  transaction: { end: (commit: boolean) => Promise<void> } | undefined;

  constructor(private readonly host: SqliteHost) {}

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const run = () => this.#run<R>(compiled);
    if (this.transaction) {
      try {
        return Promise.resolve(run());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.host.session.exclusive(run);
  }

  #run<R>(compiled: CompiledQuery): QueryResult<R> {
    const stmt = this.host.statement(compiled.sql);
    const params = compiled.parameters as unknown[];
    if (stmt.reader) return { rows: this.host.rows(stmt.all(...params)) as R[] };
    const r = stmt.run(...params);
    return { rows: [], numAffectedRows: BigInt(r.changes), insertId: BigInt(r.lastInsertRowid) };
  }

  // biome-ignore lint/correctness/useYield: streaming is not offered; the error says so
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('distdb: streaming queries are not supported on SQLite');
  }
}

/**
 * Kysely's transactions become session transactions: BEGIN IMMEDIATE … COMMIT holding the
 * session (or a savepoint when begun inside a distdb transaction of the same connection).
 */
class SessionDriver implements Driver {
  constructor(private readonly host: SqliteHost) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new SessionConnection(this.host);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const conn = connection as SessionConnection;
    await new Promise<void>((begun, failed) => {
      let end: (commit: boolean) => void = () => {};
      const settled = new Promise<boolean>((resolve) => {
        end = resolve;
      });
      const done = this.host.session.transaction('BEGIN IMMEDIATE', async () => {
        begun();
        if (!(await settled)) throw ROLLBACK;
      });
      conn.transaction = {
        end: async (commit) => {
          end(commit);
          await done.catch((err: unknown) => {
            if (err !== ROLLBACK) throw err;
          });
        },
      };
      done.catch((err: unknown) => {
        if (err !== ROLLBACK) failed(err);
      });
    });
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#end(connection, true);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#end(connection, false);
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {}

  async #end(connection: DatabaseConnection, commit: boolean): Promise<void> {
    const conn = connection as SessionConnection;
    const tx = conn.transaction;
    conn.transaction = undefined;
    await tx?.end(commit);
  }
}

/** Ends a Kysely transaction's session transaction without an error of its own. */
const ROLLBACK = Symbol('rollback');
