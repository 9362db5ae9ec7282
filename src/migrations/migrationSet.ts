import type { Connection } from '../db/dialect.js';
import { advisedError } from '../errors.js';
import type { AnyModel } from '../models/model.js';
import type { RouterChain } from '../routing/routerChain.js';
import { driftOf, type MakeMigrationsResult, makeMigrations } from './makeMigrations.js';
import { readMigrationFiles } from './migrationFiles.js';
import { allMigrations, type Migration } from './migrations.js';
import {
  checkAppliedFiles,
  type DatabaseMigrations,
  type MigrateResult,
  type MigrationPlan,
  migrateDatabase,
  migrationStatus,
} from './migrator.js';

/** The databases a migration command works on, and how it reaches them. */
export interface MigrationTargets {
  readonly aliases: readonly string[];
  readonly router: RouterChain;
  connection(alias: string): Promise<Connection>;
}

/**
 * A deployment's migrations: its files, read once (again after makeMigrations), and which of
 * its models differ from what they build.
 */
export class MigrationSet {
  #files: readonly Migration[] | undefined;
  #drift: readonly string[] | undefined;

  constructor(
    private readonly dir: string,
    private readonly models: readonly AnyModel[],
  ) {}

  #read(): readonly Migration[] {
    this.#files ??= readMigrationFiles(this.dir);
    return this.#files;
  }

  plan(): MigrationPlan {
    return { migrations: allMigrations(this.#read()), models: this.models.map((m) => m.label) };
  }

  /** Writes the next migration file with what changed in the models, if anything. */
  make(options: { name?: string }): MakeMigrationsResult {
    try {
      return makeMigrations(this.dir, this.models, options);
    } finally {
      this.#files = undefined;
      this.#drift = undefined;
    }
  }

  /** Labels of the models whose tables differ from what their migration files build. */
  drift(): readonly string[] {
    this.#drift ??= driftOf(this.#read(), this.models);
    return this.#drift;
  }

  /** Refuses a model (any, when none is given) that differs from its migrations. */
  check(model?: AnyModel): void {
    const drift = this.drift();
    const label = model ? drift.find((l) => l === model.label) : drift[0];
    if (label !== undefined)
      throw advisedError(
        'config',
        `model ${label} differs from its migrations`,
        'schema_drift',
        'make a migration for it (makeMigrations)',
      );
  }

  /**
   * Applies what each database lacks. An applied file that changed, or files whose steps cannot
   * apply in order, stop it before it changes any database.
   */
  async migrate(to: MigrationTargets): Promise<MigrateResult[]> {
    const plan = this.plan();
    for (const alias of to.aliases)
      await checkAppliedFiles(await to.connection(alias), to.router, alias, plan);
    this.drift();
    const results: MigrateResult[] = [];
    for (const alias of to.aliases)
      results.push(await migrateDatabase(await to.connection(alias), to.router, alias, plan));
    return results;
  }

  async status(to: MigrationTargets): Promise<DatabaseMigrations[]> {
    const plan = this.plan();
    const out: DatabaseMigrations[] = [];
    for (const alias of to.aliases)
      out.push(await migrationStatus(await to.connection(alias), to.router, alias, plan));
    return out;
  }
}
