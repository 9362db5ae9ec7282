import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Distdb } from 'distdb';
import { BLOG_ALIASES, BLOG_MODEL_NAMES, BLOG_MODELS_SOURCE, BLOG_ROUTES } from './blogSchema.js';
import { serverDatabases } from './deployments.js';
import { SERVERS, type ServerBackend } from './servers.js';

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
 * The blog's databases on `backend`: one SQLite file per alias in `dir`, fresh databases on a
 * server, or a mix (people on SQLite, content on PostgreSQL, discussion on MariaDB).
 */
export async function blogDatabases(
  backend: 'sqlite' | 'postgres' | 'mysql' | 'mix',
  dir: string,
): Promise<{ urls: Record<string, string>; drop(): Promise<void> }> {
  const files = blogSqliteUrls(dir);
  if (backend === 'sqlite') return { urls: files, drop: async () => {} };
  const server = (name: string) => SERVERS.find((s) => s.backend === name) as ServerBackend;
  if (backend !== 'mix') {
    const { drop, ...urls } = await serverDatabases(server(backend), BLOG_ALIASES);
    return { urls, drop };
  }
  const content = await serverDatabases(server('postgres'), ['content']);
  const discussion = await serverDatabases(server('mysql'), ['discussion']);
  return {
    urls: {
      default: files.default as string,
      people: files.people as string,
      content: content.content as string,
      discussion: discussion.discussion as string,
    },
    drop: async () => {
      await content.drop();
      await discussion.drop();
    },
  };
}

/** Writes the schema's first migration and applies it, as `makemigrations && migrate` do. */
export async function migrateBlog(db: Distdb): Promise<void> {
  await db.makeMigrations();
  for (const r of await db.migrate()) {
    if (r.status !== 'ok') throw new Error(`migrate failed on ${r.alias}: ${r.error}`);
  }
}
