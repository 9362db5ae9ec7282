import { rmSync } from 'node:fs';
import { type AnyModel, type Distdb, openDistdb, type RunReport, simulate } from 'distdb';
import { afterAll, describe, expect, it } from 'vitest';
import { createGenerator } from '../dist/simulation/datasets/schemaGenerator.js';
import { blogDatabases, migrateBlog } from './support/blogConfig.js';
import { Author, BLOG_MODELS, BLOG_ROUTES, Comment, Post } from './support/blogSchema.js';
import { tempDir } from './support/deployments.js';
import { SERVERS, serverAvailable } from './support/servers.js';

const server = (name: string) => SERVERS.some((s) => s.backend === name && serverAvailable(s));

/** The blog on each backend, and over three backends at once. */
const BACKENDS = [
  { name: 'sqlite', available: true },
  { name: 'postgres', available: server('postgres') },
  { name: 'mysql', available: server('mysql') },
  { name: 'mix', available: server('postgres') && server('mysql') },
] as const;

const SPEC = {
  seed: 5,
  invalidRatio: 0.3,
  counts: { authors: 800, categories: 150, tags: 150, posts: 1200, comments: 1700 },
};

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

/** A fresh blog deployment, its migrations written and applied. */
async function openBlog(backend: (typeof BACKENDS)[number]['name']): Promise<Distdb> {
  const dir = tempDir('distdb-blog-');
  const databases = await blogDatabases(backend, dir);
  cleanups.push(async () => {
    await databases.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  const db = await openDistdb({
    models: BLOG_MODELS,
    databases: databases.urls,
    routes: BLOG_ROUTES,
    migrations: 'migrations',
    env: {},
    cwd: dir,
  });
  await migrateBlog(db);
  return db;
}

async function rows(db: Distdb, m: AnyModel, sql: string): Promise<Record<string, unknown>[]> {
  const conn = await db.connection(db.readAlias(m));
  return conn.query(sql);
}

/** Each unique field holds as many distinct values (case-folded where it folds) as the table rows. */
async function checkUnique(db: Distdb, m: AnyModel, succeeded: number): Promise<void> {
  for (const field of m.fields.filter((x) => x.duplicateCode !== undefined)) {
    const column = field.caseInsensitive ? `lower(${field.name})` : field.name;
    const [r] = await rows(db, m, `SELECT COUNT(DISTINCT ${column}) AS n FROM ${m.table.name}`);
    expect({ field: `${m.label}.${field.name}`, n: Number(r?.n) }).toEqual({
      field: `${m.label}.${field.name}`,
      n: succeeded,
    });
  }
}

/** The ids in each table are exactly those of the records the generator expects to land. */
async function checkLanded(db: Distdb, report: RunReport): Promise<void> {
  const generator = createGenerator(SPEC, db.models);
  for (const m of db.models) {
    const count = SPEC.counts[m.datasetKey as keyof typeof SPEC.counts];
    const expected = generator.range(m, 0, count).flatMap((g, i) => (g.expected === 'ok' ? [i + 1] : []));
    const stored = await rows(db, m, `SELECT id FROM ${m.table.name} ORDER BY id`);
    expect(stored.map((r) => Number(r.id))).toEqual(expected);
    expect(report.models[m.name]?.succeeded).toBe(expected.length);
    await checkUnique(db, m, expected.length);
  }
}

describe.each(BACKENDS)('generated blog dataset on $name', (backend) => {
  const outcomes: Record<number, unknown> = {};

  it.skipIf(!backend.available).each([1, 4])('runs with no mismatch at --threads %i', async (threads) => {
    const db = await openBlog(backend.name);
    try {
      const report = await simulate(db, {
        threads,
        batchSize: 250,
        dataset: { kind: 'generated', name: 'blog', spec: SPEC },
      });
      expect(report.status).toBe('completed');
      expect(report.expectations?.mismatches).toBe(0);
      expect(report.expectations?.actual).toEqual(report.expectations?.expected);
      expect(report.totals.attempted).toBe(4000);
      await checkLanded(db, report);
      outcomes[threads] = {
        failuresByCode: report.failuresByCode,
        models: Object.fromEntries(
          Object.entries(report.models).map(([k, v]) => [k, [v.attempted, v.succeeded]]),
        ),
      };
    } finally {
      await db.close();
    }
  });

  it.skipIf(!backend.available)(
    'insert and get across its databases: every kind read back exactly, references checked',
    async () => {
      const db = await openBlog(backend.name);
      try {
        const author = {
          id: 1,
          name: '  Zoë  ',
          handle: 'zoe_1',
          email: 'zoe@example.com',
          joined_at: '2024-02-29T23:30:00.5+02:00',
        };
        expect(await db.insert(Author, author)).toEqual({ ok: true, id: 1 });
        const post = {
          id: 7,
          author_id: 1,
          sku: 'PST-000007',
          title: 'Exact',
          price: '1234567890.1234',
          featured: true,
          word_count: 3,
        };
        expect(await db.insert(Post, post)).toEqual({ ok: true, id: 7 });
        expect(await db.get(Author, 1)).toEqual({
          ...author,
          joined_at: '2024-02-29T21:30:00.500Z',
          bio: null,
          verified: false,
          karma: 0,
        });
        expect(await db.get(Post, 7)).toMatchObject({
          price: '1234567890.1234',
          featured: true,
          status: 'draft',
          category_id: null,
          tips: null,
        });
        const orphan = { id: 1, post_id: 8, body: 'hi', created_at: '2024-01-01T00:00:00Z' };
        expect(await db.insert(Comment, orphan)).toMatchObject({ ok: false, code: 'unknown_post' });
        expect(await db.insert(Comment, { ...orphan, post_id: 7, author_id: 2 })).toMatchObject({
          ok: false,
          code: 'unknown_commenter',
        });
        expect(
          await db.insert(Author, { ...author, id: 2, email: 'z2@example.com', handle: 'ZOE_1' }),
        ).toMatchObject({ ok: false, code: 'handle_taken' });
        expect(await db.insert(Comment, { ...orphan, post_id: 7, extra: 1 } as never)).toMatchObject({
          ok: false,
          code: 'unknown_field',
        });
      } finally {
        await db.close();
      }
    },
  );

  it.skipIf(!backend.available)('gives the same outcome per code at every thread count', () => {
    expect(outcomes[1]).toBeDefined();
    expect(outcomes[4]).toEqual(outcomes[1]);
  });
});
