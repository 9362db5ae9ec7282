import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyModel, Distdb } from 'distdb';
import { BATCH_JOURNAL_TABLE } from '../../dist/schema/distdbTables.js';
import { BLOG_ALIASES, BLOG_MODEL_NAMES, BLOG_MODELS_SOURCE, BLOG_ROUTES } from './blogSchema.js';

const DIST_INDEX = pathToFileURL(resolve(import.meta.dirname, '../../dist/index.js')).href;

/** One SQLite file per blog database, in `dir`. */
export function blogSqliteUrls(dir: string): Record<string, string> {
  return Object.fromEntries(BLOG_ALIASES.map((a) => [a, `sqlite:${join(dir, `${a}.db`)}`]));
}

/**
 * Writes `distdb.config.mjs` into `dir`: the blog's models (the same source blogSchema
 * evaluates, with `defineModel` and `f` from the built package), its routes and `databases`.
 * Returns the file's path.
 */
export function writeBlogConfig(
  dir: string,
  databases: Record<string, string> = blogSqliteUrls(dir),
): string {
  const path = join(dir, 'distdb.config.mjs');
  const text = [
    `import { defineModel, f } from ${JSON.stringify(DIST_INDEX)};`,
    BLOG_MODELS_SOURCE,
    `export default {`,
    `  models: [${BLOG_MODEL_NAMES.join(', ')}],`,
    `  databases: ${JSON.stringify(databases)},`,
    `  routes: ${JSON.stringify(BLOG_ROUTES)},`,
    `};`,
    '',
  ].join('\n');
  writeFileSync(path, text);
  return path;
}

/**
 * Creates each model's table and the batch journal in the model's database. Migrations of
 * application models are not there yet: once they are, this becomes `db.migrate()`.
 */
export async function createModelTables(db: Distdb, models: readonly AnyModel[] = db.models): Promise<void> {
  for (const m of models) {
    const conn = await db.connection(db.writeAlias(m));
    for (const table of [m.table, BATCH_JOURNAL_TABLE]) {
      for (const sql of conn.dialect.ddl({ kind: 'createTable', table })) await conn.execute(sql);
    }
  }
}
