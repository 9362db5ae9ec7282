import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { type Distdb, defineModel, f, openDistdb } from 'distdb';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { serverDatabases, tempDir } from './deployments.js';
import { POSTGRES_NODES, SERVERS, type ServerBackend, serverAvailable } from './servers.js';

/**
 * Writers (unsharded) have Articles, hash-sharded by id over four databases; Articles have
 * Notes, range-sharded by id over two; a Bookmark (unsharded) holds on to an Article.
 */
export const Writer = defineModel({
  name: 'Writer',
  table: 'writers',
  fields: { id: f.id(), name: f.text({ minLength: 1, maxLength: 40 }), email: f.email({ unique: 'ci' }) },
});

export const Article = defineModel({
  name: 'Article',
  table: 'articles',
  fields: {
    id: f.id(),
    writer_id: f.ref(Writer, { onDelete: 'cascade' }),
    title: f.text({ minLength: 1, maxLength: 80 }),
    score: f.integer({ min: 0, max: 1000 }),
    rating: f.decimal({ precision: 6, scale: 2, optional: true }),
    status: f.enum(['draft', 'published']),
    published_at: f.timestamp({ optional: true }),
  },
});

export const Note = defineModel({
  name: 'Note',
  table: 'notes',
  fields: {
    id: f.id(),
    article_id: f.ref(Article, { onDelete: 'cascade' }),
    body: f.text({ maxLength: 200 }),
  },
});

/** Sharded by its writer: its ids and slugs are kept unique across shards by the index. */
export const Story = defineModel({
  name: 'Story',
  table: 'stories',
  fields: {
    id: f.id(),
    writer_id: f.ref(Writer, { onDelete: 'cascade' }),
    slug: f.text({ minLength: 1, maxLength: 60, unique: true }),
    words: f.integer({ min: 0 }),
  },
});

export const Bookmark = defineModel({
  name: 'Bookmark',
  table: 'bookmarks',
  fields: { id: f.id(), article_id: f.ref(Article) },
});

export const SHARD_MODELS = [Writer, Article, Note, Story, Bookmark] as const;
export const ARTICLE_SHARDS = ['articles_0', 'articles_1', 'articles_2', 'articles_3'];

export const SHARDING = {
  Writer: { key: 'id', strategy: 'hash', databases: ['people', 'people_b'] },
  Story: { key: 'writer_id', strategy: 'hash', databases: ARTICLE_SHARDS, index: 'people' },
  Article: { key: 'id', strategy: 'hash', databases: ARTICLE_SHARDS },
  Note: {
    key: 'id',
    strategy: 'range',
    ranges: [{ below: 500, database: 'notes_a' }, { database: 'notes_b' }],
  },
};

const SHARDED_ALIASES = ['default', 'people', 'people_b', ...ARTICLE_SHARDS, 'notes_a', 'notes_b'];
const PLAIN_ALIASES = ['default', 'people', 'articles', 'notes'];

export interface ShardBackend {
  readonly name: string;
  readonly available: boolean;
  /** Sharded and unsharded deployments' URLs, and how to drop them. */
  databases(
    dir: string,
  ): Promise<{ sharded: Record<string, string>; plain: Record<string, string>; drop(): Promise<void> }>;
}

const sqliteFiles = (dir: string, aliases: string[], prefix: string) =>
  Object.fromEntries(aliases.map((a) => [a, `sqlite:${dir}/${prefix}${a}.db`]));

/**
 * SQLite files always; with the servers, the four Article shards on three PostgreSQL servers and
 * MariaDB, the Notes on PostgreSQL and MariaDB, and the unsharded deployment on one PostgreSQL.
 */
export function shardBackends(): ShardBackend[] {
  const mysql = SERVERS.find((s) => s.backend === 'mysql') as ServerBackend;
  return [
    {
      name: 'sqlite',
      available: true,
      databases: async (dir) => ({
        sharded: sqliteFiles(dir, SHARDED_ALIASES, 's_'),
        plain: sqliteFiles(dir, PLAIN_ALIASES, 'p_'),
        drop: async () => {},
      }),
    },
    {
      name: 'servers',
      available: POSTGRES_NODES.every(serverAvailable) && serverAvailable(mysql),
      databases: async () => {
        const [n0, n1, n2] = POSTGRES_NODES as [ServerBackend, ServerBackend, ServerBackend];
        const a = await serverDatabases(n0, ['default', 'people', 'articles_0', 'notes_a']);
        const b = await serverDatabases(n1, ['people_b']);
        // One shard whose database orders text by English rules, not by code point.
        const english = await icuDatabase(n1, 'en-US');
        const c = await serverDatabases(n2, ['articles_2']);
        const m = await serverDatabases(mysql, ['articles_3', 'notes_b']);
        const p = await serverDatabases(n0, PLAIN_ALIASES);
        const { drop: _a, ...ua } = a;
        const { drop: _b, ...ub } = b;
        const { drop: _c, ...uc } = c;
        ub.articles_1 = english.url;
        const { drop: _m, ...um } = m;
        const { drop: _p, ...plain } = p;
        return {
          sharded: { ...ua, ...ub, ...uc, ...um },
          plain,
          drop: async () => {
            for (const d of [a, b, english, c, m, p]) await d.drop();
          },
        };
      },
    },
  ];
}

/** A PostgreSQL database whose collation is an ICU locale's. */
async function icuDatabase(
  server: ServerBackend,
  locale: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `distdb_t_${randomBytes(4).toString('hex')}_icu`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: `${server.adminUrl}/postgres` });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(
    `CREATE DATABASE ${name} LOCALE_PROVIDER icu ICU_LOCALE '${locale}' LOCALE 'C.UTF-8' TEMPLATE template0`,
  );
  return {
    url: `${server.adminUrl}/${name}`,
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

export interface ShardDeployment {
  readonly sharded: Distdb;
  /** Another distdb on the sharded databases (closed by the caller). */
  reopen(): Promise<Distdb>;
  readonly plain: Distdb;
  readonly dir: string;
  readonly urls: Record<string, string>;
}

const PLAIN_ROUTES = {
  Writer: 'people',
  Bookmark: 'people',
  Article: 'articles',
  Note: 'notes',
  Story: 'articles',
};

/** Both deployments migrated before the block's tests, closed and dropped after them. */
export function useShardDeployment(backend: ShardBackend): () => ShardDeployment {
  let deployment: ShardDeployment | undefined;
  let drop = async () => {};
  beforeAll(async () => {
    if (!backend.available) return;
    const dir = tempDir('distdb-shards-');
    const dbs = await backend.databases(dir);
    drop = async () => {
      await dbs.drop();
      rmSync(dir, { recursive: true, force: true });
    };
    const common = { models: SHARD_MODELS, migrations: 'migrations', env: {}, cwd: dir };
    const reopen = () =>
      openDistdb({ ...common, databases: dbs.sharded, routes: { Bookmark: 'people' }, sharding: SHARDING });
    const sharded = await reopen();
    const plain = await openDistdb({ ...common, databases: dbs.plain, routes: PLAIN_ROUTES });
    await sharded.makeMigrations();
    for (const db of [sharded, plain])
      for (const r of await db.migrate())
        if (r.status !== 'ok') throw new Error(`migrate ${r.alias}: ${r.error}`);
    deployment = { sharded, reopen, plain, dir, urls: dbs.sharded };
  });
  afterAll(async () => {
    await deployment?.sharded.close();
    await deployment?.plain.close();
    await drop();
  });
  return () => deployment as ShardDeployment;
}
