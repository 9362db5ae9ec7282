/**
 * Sharding as configured: every mistake is one line naming where it is, and the CLI shows the
 * rule (routes), migrates the model on each shard only, counts its shares (shards) and says
 * plainly what it does not do with a sharded model yet (simulate).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DistdbError, defineModel, f, openDistdb } from 'distdb';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLineError, runCli } from './support/cli.js';
import { tempDir } from './support/deployments.js';
import { withRaw } from './support/rawdb.js';
import { ARTICLE_SHARDS, SHARD_MODELS, SHARDING } from './support/shardSchema.js';

const dir = tempDir('distdb-shard-config-');
const aliases = ['default', 'people', 'people_b', ...ARTICLE_SHARDS, 'notes_a', 'notes_b'];
const databases = Object.fromEntries(aliases.map((a) => [a, `sqlite:${dir}/${a}.db`]));
const opened: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const db of opened) await db.close();
});

async function problem(sharding: Record<string, unknown>): Promise<string> {
  const err = await openDistdb({
    models: SHARD_MODELS,
    databases,
    routes: Object.fromEntries(
      Object.entries({ Writer: 'people', Bookmark: 'people' }).filter(([m]) => !(m in sharding)),
    ),
    sharding,
    env: {},
    cwd: dir,
  }).then(
    (db) => {
      opened.push(db);
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DistdbError);
  expect((err as DistdbError).kind).toBe('config');
  return (err as DistdbError).message;
}

const hash = (extra: Record<string, unknown>) => ({
  key: 'id',
  strategy: 'hash',
  databases: ARTICLE_SHARDS,
  ...extra,
});
const range = (ranges: unknown) => ({ key: 'id', strategy: 'range', ranges });

describe('sharding configuration', () => {
  it.each([
    [
      { Artikel: hash({}) },
      'sharding.Artikel: unknown model "Artikel" (models: Writer, Article, Note, Story, Bookmark)',
    ],
    [
      { Article: hash({ key: 'author' }) },
      'sharding.Article.key: "author" is not a field of Article (fields: id, writer_id',
    ],
    [
      { Article: hash({ key: 'rating' }) },
      'sharding.Article.key: Article.rating is a decimal field; a hash key is one of',
    ],
    [
      { Note: { ...range([{ database: 'notes_a' }]), key: 'body' } },
      'sharding.Note.key: Note.body is a text field; a range key is one of: id, integer, reference',
    ],
    [{ Article: hash({ index: 'nowhere' }) }, 'sharding.Article.index: unknown database "nowhere"'],
    [
      { Article: hash({ strategy: 'list' }) },
      'sharding.Article.strategy must be "hash" or "range", got "list"',
    ],
    [
      { Article: hash({ databases: ['articles_0', 'articles_9'] }) },
      'sharding.Article.databases[1]: unknown database "articles_9"',
    ],
    [
      { Article: hash({ databases: ['articles_0', 'articles_0'] }) },
      'sharding.Article.databases[1]: "articles_0" is named twice',
    ],
    [
      { Article: hash({ databases: [] }) },
      'sharding.Article.databases must be a non-empty list of database aliases',
    ],
    [
      { Article: hash({ shards: 4 }) },
      'sharding.Article: unknown key "shards" (allowed: key, strategy, databases, ranges, index)',
    ],
    [
      {
        Note: range([
          { below: 500, database: 'notes_a' },
          { below: 100, database: 'notes_b' },
          { database: 'notes_a' },
        ]),
      },
      'sharding.Note.ranges[1].below 100 must be above 500: ranges go in increasing order, without overlap',
    ],
    [
      {
        Note: range([
          { below: 500, database: 'notes_a' },
          { below: 500, database: 'notes_b' },
          { database: 'notes_a' },
        ]),
      },
      'sharding.Note.ranges[1].below 500 must be above 500',
    ],
    [
      { Note: range([{ database: 'notes_a' }, { database: 'notes_b' }]) },
      'sharding.Note.ranges[0] has no "below": only the last range is open-ended',
    ],
    [
      {
        Note: range([
          { below: 500, database: 'notes_a' },
          { below: 900, database: 'notes_b' },
        ]),
      },
      'sharding.Note.ranges[1]: the last range must have no "below", so that every key has a shard',
    ],
    [
      { Note: range([{ below: '5', database: 'notes_a' }, { database: 'notes_b' }]) },
      'sharding.Note.ranges[0].below must be an integer, got a string',
    ],
  ])('%j is refused: %s', async (sharding, message) => {
    expect(await problem(sharding)).toContain(message);
  });

  it('a sharded model is not also routed', async () => {
    const err = await openDistdb({
      models: SHARD_MODELS,
      databases,
      routes: { Article: 'people' },
      sharding: SHARDING,
      env: {},
      cwd: dir,
    }).catch((e: unknown) => e);
    expect((err as DistdbError).message).toContain(
      'routes: model Article is sharded, so sharding says where it is',
    );
  });
});

describe('a model sharded by a case-insensitive unique key', () => {
  it('keeps it unique across shards, though its spellings hash to different shards', async () => {
    const Member = defineModel({
      name: 'Member',
      table: 'members',
      fields: { id: f.id(), email: f.email({ unique: 'ci' }) },
    });
    const here = tempDir('distdb-shard-ci-');
    const shards = ['m0', 'm1', 'm2', 'm3'];
    const db = await openDistdb({
      models: [Member],
      databases: Object.fromEntries(['default', ...shards].map((a) => [a, `sqlite:${here}/${a}.db`])),
      sharding: { Member: { key: 'email', strategy: 'hash', databases: shards } },
      migrations: `${here}/migrations`,
      env: {},
      cwd: here,
    });
    opened.push(db);
    await db.makeMigrations();
    await db.migrate();
    const spellings = ['Ann@Example.org', 'ann@example.org', 'ANN@EXAMPLE.ORG', 'ann@Example.ORG'];
    expect(new Set(spellings.map((email) => db.writeAlias(Member, { key: email }))).size).toBeGreaterThan(1);
    const outcomes = await db.insertMany(
      Member,
      spellings.map((email, i) => ({ id: i + 1, email })),
    );
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.code))).toEqual([
      'ok',
      'duplicate_email',
      'duplicate_email',
      'duplicate_email',
    ]);
    expect(await db.count(Member)).toBe(1);
    expect(await db.get(Member, 1)).toEqual({ id: 1, email: 'Ann@Example.org' });
  });
});

describe('the CLI on a sharded deployment', () => {
  const cwd = tempDir('distdb-shard-cli-');
  const config = resolve(cwd, 'distdb.config.mjs');
  writeFileSync(
    config,
    [
      `import { defineModel, f } from ${JSON.stringify(resolve(import.meta.dirname, '../dist/index.js'))};`,
      `const Writer = defineModel({ name: 'Writer', table: 'writers', fields: { id: f.id(), name: f.text({ maxLength: 40 }) } });`,
      `const Article = defineModel({ name: 'Article', table: 'articles', fields: { id: f.id(), writer_id: f.ref(Writer), title: f.text({ maxLength: 80 }) } });`,
      'export default {',
      '  models: [Writer, Article],',
      `  databases: ${JSON.stringify(Object.fromEntries(['default', 'people', ...ARTICLE_SHARDS].map((a) => [a, `sqlite:${cwd}/${a}.db`])))},`,
      `  routes: { Writer: 'people' },`,
      `  sharding: { Article: { key: 'id', strategy: 'hash', databases: ${JSON.stringify(ARTICLE_SHARDS)} } },`,
      '};',
    ].join('\n'),
  );
  const cli = (...args: string[]) => runCli(args, { cwd });

  it('routes shows the rule, migrate creates the table on every shard only, shards counts the shares', async () => {
    const routes = cli('routes');
    expect(routes.code).toBe(0);
    expect(routes.stdout).toMatch(
      /Article\s+hash\(id\): articles_0,articles_1,articles_2,articles_3\s+hash\(id\): articles_0,/,
    );
    expect(routes.stdout).toMatch(/Article.*articles_0,articles_1,articles_2,articles_3\s+ShardRouter/);
    expect(cli('makemigrations').code).toBe(0);
    expect(cli('migrate').code).toBe(0);
    for (const alias of ARTICLE_SHARDS)
      expect(
        await withRaw(`sqlite:${cwd}/${alias}.db`, (raw) => raw.query('SELECT COUNT(*) AS n FROM articles')),
      ).toEqual([{ n: 0 }]);
    const people = await withRaw(`sqlite:${cwd}/people.db`, (raw) =>
      raw.query("SELECT name FROM sqlite_master WHERE type = 'table'"),
    );
    expect(people.map((r) => r.name)).toContain('writers');
    expect(people.map((r) => r.name)).not.toContain('articles');
    const db = await openDistdb({ configPath: config, cwd, env: {} });
    opened.push(db);
    await db.insertMany(db.model('Writer'), [{ id: 1, name: 'w' }]);
    const rows = Array.from({ length: 2000 }, (_, i) => ({ id: i + 1, writer_id: 1, title: `t${i}` }));
    expect((await db.insertMany(db.model('Article'), rows)).every((o) => o.ok)).toBe(true);
    const shards = cli('shards', 'Article', '--json');
    expect(shards.code).toBe(0);
    const [article] = JSON.parse(shards.stdout) as {
      model: string;
      rows: number;
      shards: { database: string; backend: string; rows: number; share: number }[];
    }[];
    expect(article?.model).toBe('Article');
    expect(article?.rows).toBe(2000);
    expect(article?.shards.map((s) => s.database)).toEqual(ARTICLE_SHARDS);
    for (const s of article?.shards ?? []) {
      expect(s.backend).toBe('sqlite');
      expect(s.share).toBeGreaterThan(0.2);
      expect(s.share).toBeLessThan(0.3);
    }
    expect(cli('shards').stdout).toMatch(/Article\s+hash\(id\)\s+articles_0\s+sqlite\s+\d+\s+\d+\.\d%/);
    const find = cli('find', 'Article', '--where', '{"id": {"in": [5, 1999]}}', '--json');
    expect(
      find.stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { id: number }).id),
    ).toEqual([5, 1999]);
  });

  it('reset empties the table on every shard', () => {
    const reset = cli('reset', '--yes');
    expect(reset.code).toBe(0);
    const [article] = JSON.parse(cli('shards', '--json').stdout) as {
      rows: number;
      shards: { rows: number }[];
    }[];
    expect(article?.rows).toBe(0);
    expect(article?.shards.map((s) => s.rows)).toEqual([0, 0, 0, 0]);
  });

  it('simulates into the shards, and reports each as a database', () => {
    const r = cli(
      'simulate',
      '--dataset',
      'generated',
      '--records',
      '200',
      '--reset',
      '--json',
      '--no-progress',
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { databases: Record<string, { attempted: number }> };
    for (const shard of ['articles_0', 'articles_1', 'articles_2', 'articles_3'])
      expect(report.databases[shard]?.attempted).toBeGreaterThan(0);
    expect(cli('reset', '--yes').code).toBe(0);
  });

  it('a shard failing part-way: the other shards are written, and the error says how far it got', async () => {
    await withRaw(`sqlite:${cwd}/articles_3.db`, (raw) => raw.query('DROP TABLE articles'));
    const db = await openDistdb({ configPath: config, cwd, env: {} });
    opened.push(db);
    const Article = db.model('Article');
    expect(await db.insertMany(db.model('Writer'), [{ id: 1, name: 'w' }])).toEqual([{ ok: true, id: 1 }]);
    const rows = Array.from({ length: 400 }, (_, i) => ({ id: i + 1, writer_id: 1, title: `t${i}` }));
    const elsewhere = rows.filter((r) => db.writeAlias(Article, { key: r.id }) !== 'articles_3').length;
    const err = await db.insertMany(Article, rows).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DistdbError);
    expect((err as DistdbError).message).toBe(
      `insertMany decided ${elsewhere} of 400 records, then: database "articles_3": no such table: articles`,
    );
    expect(
      await db.count(Article, {
        where: {
          id: {
            in: rows.map((r) => r.id).filter((id) => db.writeAlias(Article, { key: id }) !== 'articles_3'),
          },
        },
      }),
    ).toBe(elsewhere);
  });

  it('refuses what it cannot do with one clear line', () => {
    const writer = cli('shards', 'Writer');
    expect(writer.code).toBe(2);
    expect(expectOneLineError(writer)).toContain('Writer is not sharded (sharded: Article)');
  });
});
