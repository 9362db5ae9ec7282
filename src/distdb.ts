import type { ConfigInput, DistdbConfig } from './config/config.js';
import { loadConfig } from './config/loadConfig.js';
import type { Connection, Row } from './db/dialect.js';
import { openConnection } from './db/open.js';
import { dialectFor } from './db/registry.js';
import { DistdbError, databaseError, namedAfter } from './errors.js';
import {
  type DatabaseMigrations,
  type MigrateResult,
  migrateDatabase,
  migrationStatus,
} from './migrations/migrator.js';
import type { Model } from './models/model.js';
import { MODELS } from './models/models.js';
import type { RoutingHints } from './routing/router.js';
import { RouterChain } from './routing/routerChain.js';
import { tableRouter } from './routing/tableRouter.js';
import { formatMinorUnits } from './schema/decimal.js';
import type { RecordOutcome } from './store/outcome.js';
import { commitRecords, prepareRecords } from './store/writeRecords.js';

export type OpenOptions = ConfigInput;

/**
 * An open deployment: configuration, the router chain and lazily opened connections. Every
 * operation is generic over models.
 */
export class Distdb {
  readonly router: RouterChain;
  readonly #connections = new Map<string, Promise<Connection>>();

  private constructor(readonly config: DistdbConfig) {
    this.router = new RouterChain([...config.routers, tableRouter(config.routes)]);
  }

  static async open(options: OpenOptions = {}): Promise<Distdb> {
    return new Distdb(await loadConfig(options));
  }

  get aliases(): string[] {
    return Object.keys(this.config.databases);
  }

  /** Throws a usage error naming the alias when it is not configured. */
  checkAlias(alias: string): string {
    if (!Object.hasOwn(this.config.databases, alias)) {
      throw new DistdbError(
        'usage',
        `unknown database alias "${alias}" (configured: ${this.aliases.join(', ')})`,
      );
    }
    return alias;
  }

  /** Whether the database of `alias` exists; asking never creates it (reading commands use this). */
  async databaseExists(alias: string): Promise<boolean> {
    this.checkAlias(alias);
    if (this.#connections.has(alias)) return true;
    const url = this.config.databases[alias];
    if (!url) return false;
    const dialect = await dialectFor(url);
    return dialect.exists?.(url) ?? true;
  }

  connection(alias: string): Promise<Connection> {
    this.checkAlias(alias);
    let conn = this.#connections.get(alias);
    if (!conn) {
      const url = this.config.databases[alias];
      if (!url) throw new DistdbError('usage', `unknown database alias "${alias}"`);
      conn = openConnection(url).catch((err: unknown) => {
        throw namedAfter(alias, err);
      });
      // A failed connect is not cached: the next call tries again.
      conn.catch(() => this.#connections.delete(alias));
      this.#connections.set(alias, conn);
    }
    return conn;
  }

  /**
   * Runs `step` on the database of `alias`; a failure of it is a one-line error naming the
   * database (alias and redacted URL).
   */
  async inDatabase<T>(alias: string, step: (conn: Connection) => Promise<T>): Promise<T> {
    const conn = await this.connection(alias);
    try {
      return await step(conn);
    } catch (err) {
      throw databaseError([{ alias, url: conn.url.redacted }], err);
    }
  }

  readAlias(model: Model, hints: RoutingHints = {}): string {
    return this.checkAlias(this.router.dbForRead(model.label, hints).value);
  }

  writeAlias(model: Model, hints: RoutingHints = {}): string {
    return this.checkAlias(this.router.dbForWrite(model.label, hints).value);
  }

  /** Validates and inserts one record into the database its router picks. */
  async insert<T>(model: Model<T>, record: T | Record<string, unknown>): Promise<RecordOutcome> {
    const m = model as Model;
    const prepared = await prepareRecords(m, [record], (label) => this.#readConnection(label));
    const conn = await this.connection(this.writeAlias(m, { record: record as Record<string, unknown> }));
    const [outcome] = await commitRecords(prepared, conn);
    return outcome as RecordOutcome;
  }

  async get<T>(model: Model<T>, id: number): Promise<T | undefined> {
    return this.inDatabase(this.readAlias(model as Model), async (conn) => {
      const { name, primaryKey } = model.table;
      const rows = await conn.query(`SELECT * FROM ${name} WHERE ${primaryKey} = ?`, [id]);
      return rows[0] ? toRecord(model, rows[0], conn) : undefined;
    });
  }

  async list<T>(model: Model<T>, options: { limit?: number; offset?: number } = {}): Promise<T[]> {
    const limit = Math.max(0, Math.floor(options.limit ?? 100));
    const offset = Math.max(0, Math.floor(options.offset ?? 0));
    return this.inDatabase(this.readAlias(model as Model), async (conn) => {
      const rows = await conn.query(
        `SELECT * FROM ${model.table.name} ORDER BY ${model.table.primaryKey} LIMIT ${limit} OFFSET ${offset}`,
      );
      return rows.map((r) => toRecord(model, r, conn));
    });
  }

  async count(model: Model): Promise<number> {
    return this.inDatabase(this.readAlias(model), async (conn) => {
      const rows = await conn.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${model.table.name}`);
      return Number(rows[0]?.n ?? 0);
    });
  }

  async migrate(options: { database?: string } = {}): Promise<MigrateResult[]> {
    const aliases = options.database ? [this.checkAlias(options.database)] : this.aliases;
    const results: MigrateResult[] = [];
    for (const alias of aliases)
      results.push(await migrateDatabase(await this.connection(alias), this.router, alias));
    return results;
  }

  async showMigrations(options: { database?: string } = {}): Promise<DatabaseMigrations[]> {
    const aliases = options.database ? [this.checkAlias(options.database)] : this.aliases;
    const out: DatabaseMigrations[] = [];
    for (const alias of aliases)
      out.push(await migrationStatus(await this.connection(alias), this.router, alias));
    return out;
  }

  /** Models whose tables live in `alias` (by the write route). */
  modelsIn(alias: string): Model[] {
    return MODELS.filter((m) => this.writeAlias(m) === alias);
  }

  async close(): Promise<void> {
    const conns = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all(conns.map(async (c) => (await c.catch(() => undefined))?.close()));
  }

  #readConnection(label: string): Promise<Connection> {
    return this.connection(this.checkAlias(this.router.dbForRead(label).value));
  }
}

export function openDistdb(options: OpenOptions = {}): Promise<Distdb> {
  return Distdb.open(options);
}

/** Stored row → record as users see it (decimals back to exact strings). */
export function toRecord<T>(model: Model<T>, row: Row, conn: Connection): T {
  const out: Record<string, unknown> = {};
  for (const f of model.fields) {
    const v = row[f.name];
    if (f.type.kind === 'decimal')
      out[f.name] = formatMinorUnits(conn.decodeDecimal(v ?? null, f.type.scale), f.type.scale);
    else if (f.type.kind === 'name' || f.type.kind === 'email') out[f.name] = v;
    else out[f.name] = Number(v);
  }
  return out as T;
}
