import type { AnyModel } from '../models/model.js';

/** The database of distdb's own tables (run history), and of any model routed nowhere else. */
export const DEFAULT_ALIAS = 'default';
/** The model name routers are asked about for distdb's run history. */
export const RUN_MODEL = 'Run';

/** A model with no route lives in a database named after its table, as the demo's users.db. */
export function defaultRoutes(models: readonly AnyModel[]): Record<string, string> {
  return { ...Object.fromEntries(models.map((m) => [m.label, m.table.name])), [RUN_MODEL]: DEFAULT_ALIAS };
}

/** The embedded database an alias gets when nothing configures it. */
export function defaultDatabaseUrl(alias: string): string {
  return `sqlite:./data/${alias}.db`;
}

export const CONFIG_FILE_NAMES = [
  'distdb.config.json',
  'distdb.config.js',
  'distdb.config.mjs',
  'distdb.config.ts',
];

export const DEFAULT_MIGRATIONS = './migrations';

export const ALIAS = /^[a-z][a-z0-9_]{0,62}$/;
export const ALIAS_RULE = 'use lower-case letters, digits, _';
