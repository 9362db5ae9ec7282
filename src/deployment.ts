import type { DistdbConfig } from './config/config.js';
import { Connections } from './db/connections.js';
import type { AnyDatabase, Connection } from './db/dialect.js';
import { DistdbError, databaseError } from './errors.js';
import type { MakeMigrationsResult } from './migrations/makeMigrations.js';
import { MigrationSet, type MigrationTargets } from './migrations/migrationSet.js';
import type { DatabaseMigrations, MigrateResult } from './migrations/migrator.js';
import type { AnyModel } from './models/model.js';
import { modelNamed } from './models/schemaGraph.js';
import { RecordApi } from './queries/api.js';
import type { RouterChain } from './routing/routerChain.js';

/**
 * A deployment's configuration, its databases (connected on first use) and their migrations:
 * what Distdb's calls stand on.
 */
export abstract class Deployment<DB = AnyDatabase> extends RecordApi<DB> {
  abstract readonly router: RouterChain;
  readonly #connections: Connections;
  readonly #migrations: MigrationSet;

  protected constructor(readonly config: DistdbConfig) {
    super();
    this.#connections = new Connections(config.databases, (alias) => this.checkAlias(alias));
    this.#migrations = new MigrationSet(config.migrations, config.models);
  }

  /** The schema's models, each after the models it references. */
  get models(): readonly AnyModel[] {
    return this.config.models;
  }

  /** The model of that name (`Author`, or its snake-case name); a usage error naming it if none. */
  model(name: string): AnyModel {
    const m = modelNamed(this.models, name);
    if (m) return m;
    const known = this.models.map((x) => x.label).join(', ');
    throw new DistdbError('usage', `unknown model "${name}" (models: ${known})`);
  }

  get aliases(): string[] {
    return Object.keys(this.config.databases);
  }

  /** Throws a usage error naming the alias when it is not configured. */
  checkAlias(alias: string): string {
    if (Object.hasOwn(this.config.databases, alias)) return alias;
    const known = this.aliases.join(', ');
    throw new DistdbError('usage', `unknown database alias "${alias}" (configured: ${known})`);
  }

  /** Whether the database of `alias` exists; asking never creates it (reading commands use this). */
  databaseExists(alias: string): Promise<boolean> {
    return this.#connections.exists(alias);
  }

  connection(alias: string): Promise<Connection> {
    return this.#connections.get(alias);
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

  /** The migration files, read once (again after makeMigrations). */
  async migrate(options: { database?: string } = {}): Promise<MigrateResult[]> {
    try {
      return await this.#migrations.migrate(this.#migrationTargets(options.database));
    } finally {
      // Later reads must find the new tables and columns.
      this.written();
    }
  }

  async showMigrations(options: { database?: string } = {}): Promise<DatabaseMigrations[]> {
    return this.#migrations.status(this.#migrationTargets(options.database));
  }

  #migrationTargets(database: string | undefined): MigrationTargets {
    const aliases = database ? [this.checkAlias(database)] : this.aliases;
    return { aliases, router: this.router, connection: (a) => this.connection(a) };
  }

  /** Writes the next migration file of `config.migrations` with what changed in the models, if anything. */
  async makeMigrations(options: { name?: string } = {}): Promise<MakeMigrationsResult> {
    return this.#migrations.make(options);
  }

  /** Labels of the models whose tables differ from what their migration files build. */
  async schemaDrift(): Promise<readonly string[]> {
    return this.#migrations.drift();
  }

  /** Refuses a model (any, when none is given) that differs from its migrations. */
  async checkSchema(model?: AnyModel): Promise<void> {
    this.#migrations.check(model);
  }

  async close(): Promise<void> {
    await this.#connections.close();
  }
}
