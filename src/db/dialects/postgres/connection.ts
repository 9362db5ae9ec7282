import pg from 'pg';
import type { ColumnDef, TableDef } from '../../../schema/tableDef.js';
import type { AnyKysely, ConnectOptions, Dialect, Row, RowWrite, SqlValue } from '../../dialect.js';
import type { DatabaseUrl } from '../../url.js';
import {
  chunk,
  keyColumns,
  keyValue,
  planRounds,
  provided,
  providedColumns,
  screenRows,
} from '../shared/insertPlan.js';
import { probePool } from '../shared/server.js';
import { type LockSession, ServerConnection } from '../shared/serverConnection.js';
import { encodeValue } from '../shared/values.js';
import { arrayLiteral } from './arrayLiteral.js';
import {
  explainPostgres,
  FREE_CONNECTIONS,
  numberParams,
  POSTGRES,
  postgresConfig,
  timedClient,
} from './config.js';
import { rowFailure } from './errors.js';
import { existingSql, insertGroupSql, insertRowSql } from './insertSql.js';
import { HELD_LOCK_QUERY, heldLockKey, openPostgresLockSession } from './lockSession.js';

export { numberParams, postgresConfig } from './config.js';

interface Queryable {
  query(config: pg.QueryConfig): Promise<pg.QueryResult>;
}

const OK: RowWrite = { ok: true };
// Which key was taken is left to the caller, who looks it up anyway for its message.
const UNIQUE: RowWrite = { ok: false, violation: 'unique' };

function ignoreClientError(): void {}

/** Rows per INSERT: the values travel as one array per column, so this only bounds message size. */
const INSERT_CHUNK = 10_000;

/** A pg pool, or a view of one checked-out client inside `transaction()`. */
export class PostgresConnection extends ServerConnection<pg.Pool, pg.PoolClient, pg.QueryResult> {
  readonly #config: pg.PoolConfig;

  private constructor(
    dialect: Dialect,
    url: DatabaseUrl,
    pool: pg.Pool,
    config: pg.PoolConfig,
    client?: pg.PoolClient,
    depth = 0,
  ) {
    super(dialect, url, POSTGRES, pool, client, depth);
    this.#config = config;
  }

  static async open(
    dialect: Dialect,
    url: DatabaseUrl,
    options?: ConnectOptions,
  ): Promise<PostgresConnection> {
    const config = postgresConfig(url, options);
    const pool = new pg.Pool({
      ...config,
      connectionTimeoutMillis: undefined,
      Client: timedClient(config.connectionTimeoutMillis ?? 0),
    });
    // An idle client losing its server is reported by the next query that needs it; without a
    // listener the pool's 'error' event would end the process.
    pool.on('error', () => {});
    await probePool(url, pool, config.password as string | undefined, (err) => explainPostgres(err, config));
    return new PostgresConnection(dialect, url, pool, config);
  }

  protected view(client: pg.PoolClient, depth: number): PostgresConnection {
    return new PostgresConnection(this.dialect, this.url, this.pool, this.#config, client, depth);
  }

  /** SQL already numbered ($n). */
  protected send(
    client: pg.PoolClient | undefined,
    text: string,
    values: readonly unknown[],
  ): Promise<pg.QueryResult> {
    const runner: Queryable = client ?? this.pool;
    return runner.query({ text, values: values as unknown[] });
  }

  // pg-pool listens for a client's 'error' only while it is idle; a server going away while a
  // client is checked out would otherwise be an uncaught event (the query itself rejects).
  protected async checkOut(): Promise<pg.PoolClient> {
    const client = await this.pool.connect();
    client.on('error', ignoreClientError);
    return client;
  }

  protected checkIn(client: pg.PoolClient, broken: Error | undefined): void {
    client.off('error', ignoreClientError);
    client.release(broken);
  }

  protected get password(): string | undefined {
    return this.#config.password as string | undefined;
  }

  protected explainConnectFailure(err: unknown): string | undefined {
    return explainPostgres(err, this.#config);
  }

  protected async makeKysely(client: pg.PoolClient | undefined, open: () => boolean): Promise<AnyKysely> {
    const { postgresKysely } = await import('./kysely.js');
    return postgresKysely(this.pool, client, open);
  }

  protected async endPool(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }

  protected async freeConnections(): Promise<number> {
    const [row] = await this.query<{ n: number }>(FREE_CONNECTIONS);
    return Number(row?.n ?? 0);
  }

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await this.run(numberParams(sql), params)).rows as T[];
  }

  async runCompiled(sql: string, params: readonly unknown[]): Promise<{ rows: Row[]; changes: number }> {
    const r = await this.run(sql, params);
    return { rows: r.rows as Row[], changes: r.command === 'SELECT' ? 0 : (r.rowCount ?? 0) };
  }

  encodeParam(column: ColumnDef, value: SqlValue): unknown {
    return encodeValue(column, value);
  }

  async integerRange(table: TableDef, column: string, low: number, high: number): Promise<number[]> {
    // One text value per range instead of a row per id: parsing rows is what costs here.
    const r = await this.run(
      `SELECT string_agg(${column}::text, ',') AS ids FROM ${table.name} WHERE ${column} BETWEEN $1 AND $2`,
      [low, high],
    );
    const ids = (r.rows[0] as { ids: string | null } | undefined)?.ids;
    return ids ? ids.split(',').map(Number) : [];
  }

  async execute(
    sql: string,
    params: readonly SqlValue[] = [],
  ): Promise<{ changes: number; insertId?: number }> {
    return { changes: (await this.run(numberParams(sql), params)).rowCount ?? 0 };
  }

  protected openLockSession(name: string): Promise<LockSession> {
    return openPostgresLockSession(this.#config, name);
  }

  /** Looked up, not tried: trying would take the lock for a moment from whoever wants it. */
  async lockHeld(name: string): Promise<boolean> {
    return (await this.query(HELD_LOCK_QUERY, heldLockKey(name))).length > 0;
  }

  /**
   * Rows the server would refuse for NOT NULL, size or check reasons are settled in memory first
   * (screenRow). The rest go in rounds of rows sharing no key (planRounds), each round one
   * `INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING` that reports the rows it did
   * not insert: those were duplicates. A batch of one round is one
   * statement (one round trip, its own transaction); more rounds share a transaction. Should the
   * server still refuse a row the screen let through, the attempt is undone and redone row by
   * row under savepoints, which is exact.
   */
  async insertBatch(table: TableDef, rows: readonly Row[]): Promise<RowWrite[]> {
    const { out, pending } = screenRows(table, rows);
    if (pending.length === 0) return out;
    const groups = this.#groups(table, rows, pending);
    const attempt = async (careful: boolean): Promise<void> => {
      const only = groups[0];
      if (!this.client && groups.length === 1 && only && !careful) {
        await this.#insertGroup(table, rows, only, out);
        return;
      }
      await this.transaction(async (tx) => {
        const view = tx as PostgresConnection;
        for (const group of groups) {
          if (careful) await view.#insertGroupCarefully(table, rows, group, out);
          else await view.#insertGroup(table, rows, group, out);
        }
      });
    };
    try {
      await attempt(false);
    } catch (err) {
      if (!rowFailure(table, err)) throw err;
      await attempt(true);
    }
    return out;
  }

  /**
   * Rounds, split further by which columns the rows leave to their DEFAULT (a serial left NULL,
   * a column with a default left out), then chunked.
   */
  #groups(table: TableDef, rows: readonly Row[], pending: number[]): number[][] {
    const optional = table.columns.filter((c) => c.type.kind === 'serial' || c.default !== undefined);
    const groups: number[][] = [];
    for (const round of planRounds(table, rows, pending)) {
      const shapes = new Map<string, number[]>();
      for (const i of round) {
        const shape = optional.map((c) => (provided(c, rows[i] as Row) ? '1' : '0')).join('');
        const list = shapes.get(shape);
        if (list) list.push(i);
        else shapes.set(shape, [i]);
      }
      for (const list of shapes.values()) groups.push(...chunk(list, INSERT_CHUNK));
    }
    return groups;
  }

  /** Columns a group's rows provide; the others take their DEFAULT. */
  #columnsOf(table: TableDef, row: Row) {
    return providedColumns(table, row);
  }

  /** One statement for a group of rows sharing no key; a row not inserted was a duplicate. */
  async #insertGroup(table: TableDef, rows: readonly Row[], group: number[], out: RowWrite[]): Promise<void> {
    const columns = this.#columnsOf(table, rows[group[0] as number] as Row);
    const provided = keyColumns(table).filter((k) => columns.includes(k.column));
    // Keys are distinct within a group, so one key that every row has identifies the rows that
    // went in; only where none has (serial ids left to the database) are all keys returned.
    const whole = provided.find((k) => group.every((i) => (rows[i] as Row)[k.column.name] != null));
    const arrays = columns.map((c) =>
      arrayLiteral(group.map((i) => encodeValue(c, (rows[i] as Row)[c.name]))),
    );
    const keys = provided.map((k) => k.column.name);
    if (whole) {
      const r = await this.run(insertGroupSql(table, columns, whole.column.name, keys), arrays);
      // Keys are distinct within the group, so a key that came back from the insert is this
      // row's own, and a row whose key did not was refused.
      for (const i of group) out[i] = OK;
      for (const row of r.rows as { distdb_position: number }[])
        out[group[row.distdb_position - 1] as number] = UNIQUE;
      return;
    }
    // No key that every row has (serial ids left to the database): every key comes back.
    const r = await this.run(insertGroupSql(table, columns, undefined, keys), arrays);
    // Every row went in (the usual case): nothing to match.
    if (r.rowCount === group.length) {
      for (const i of group) out[i] = OK;
      return;
    }
    const stored = provided.map(
      (k) => new Set(r.rows.map((row: Row) => keyValue(k, row[k.column.name], true))),
    );
    for (const i of group) {
      const row = rows[i] as Row;
      // Keys are distinct within the group, so a returned key value is this row's own.
      const inserted = provided.every((k, n) => {
        const v = keyValue(k, row[k.column.name]);
        return v === undefined || (stored[n] as Set<string | undefined>).has(v);
      });
      out[i] = inserted ? OK : UNIQUE;
    }
  }

  /** The slow, exact path: the group under a savepoint, and row by row if the server refuses one. */
  async #insertGroupCarefully(
    table: TableDef,
    rows: readonly Row[],
    group: number[],
    out: RowWrite[],
  ): Promise<void> {
    try {
      return await this.transaction((tx) => (tx as PostgresConnection).#insertGroup(table, rows, group, out));
    } catch (err) {
      if (!rowFailure(table, err)) throw err;
    }
    for (const i of group) {
      const row = rows[i] as Row;
      const columns = this.#columnsOf(table, row);
      try {
        await this.transaction((tx) =>
          (tx as PostgresConnection).run(
            insertRowSql(table, columns),
            columns.map((c) => encodeValue(c, row[c.name])),
          ),
        );
        out[i] = { ok: true };
      } catch (err) {
        const failure = rowFailure(table, err);
        if (!failure) throw err;
        out[i] = failure;
      }
    }
  }

  /** See existingSql: one statement per chunk of values, answered by the server's comparison. */
  protected existingLookup(table: TableDef, col: ColumnDef) {
    const sql = existingSql(table, col);
    return async (part: readonly SqlValue[]) => {
      const r = await this.run(sql, [arrayLiteral(part.map((v) => encodeValue(col, v)))]);
      // WITH ORDINALITY counts from 1.
      return (r.rows as { n: number }[]).map((row) => row.n - 1);
    };
  }
}
