/**
 * Models are configuration: declared in a config file or given in code, routed by name, and
 * checked when the deployment opens (names, references, cycles, relations, aliases).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defineModel, f, openDistdb, type Router } from 'distdb';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLineError, runCli } from './support/cli.js';
import { tempDir } from './support/deployments.js';

const dist = pathToFileURL(resolve(import.meta.dirname, '../dist/index.js')).href;
const dir = tempDir('distdb-models-config-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const Author = defineModel({
  name: 'Author',
  table: 'authors',
  fields: { id: f.id(), name: f.text({ maxLength: 50 }) },
});
const BlogPost = defineModel({
  name: 'BlogPost',
  table: 'blog_posts',
  fields: { id: f.id(), author_id: f.ref(Author), title: f.text({ maxLength: 100 }) },
});

function writeConfig(name: string, body: string): string {
  const sub = join(dir, name);
  rmSync(sub, { recursive: true, force: true });
  mkdirSync(sub, { recursive: true });
  writeFileSync(join(sub, 'distdb.config.mjs'), `import { defineModel, f } from '${dist}';\n${body}\n`);
  return sub;
}

const MODELS = `
const Author = defineModel({ name: 'Author', table: 'authors', fields: { id: f.id(), name: f.text({ maxLength: 50 }) } });
const BlogPost = defineModel({ name: 'BlogPost', table: 'blog_posts', fields: { id: f.id(), author_id: f.ref(Author), title: f.text({ maxLength: 100 }) } });
`;

describe('models in a config file', () => {
  it('routes show every declared model; a model without a route lives in the database named after its table', () => {
    const cwd = writeConfig(
      'routes',
      `${MODELS}export default { models: [BlogPost, Author], routes: { Author: 'people' }, databases: { people: 'sqlite:./data/people.db' } };`,
    );
    const r = runCli(['routes'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/).slice(0, 3));
    // Each model after the models it references, whatever order they were given in.
    expect(rows).toEqual([
      ['Author', 'people', 'people'],
      ['BlogPost', 'blog_posts', 'blog_posts'],
      ['Run', 'default', 'default'],
    ]);
    const dbs = JSON.parse(runCli(['databases', '--json'], { cwd }).stdout) as {
      alias: string;
      url: string;
    }[];
    expect(dbs.map((d) => [d.alias, d.url])).toEqual([
      ['default', 'sqlite:./data/default.db'],
      ['authors', 'sqlite:./data/authors.db'],
      ['blog_posts', 'sqlite:./data/blog_posts.db'],
      ['people', 'sqlite:./data/people.db'],
    ]);
  });

  it.each([
    [
      'a route of an undeclared model',
      `${MODELS}export default { models: [Author, BlogPost], routes: { Post: 'default' } };`,
      /routes: unknown model "Post" \(known: Author, BlogPost, Run\)/,
    ],
    [
      'a route to an unknown database',
      `${MODELS}export default { models: [Author, BlogPost], routes: { Author: 'nowhere' } };`,
      /routes: model Author is routed to unknown database "nowhere"/,
    ],
    [
      'a reference to a model that is not listed',
      `${MODELS}export default { models: [BlogPost] };`,
      /BlogPost\.author_id references Author, which is not among the models/,
    ],
    [
      'two models with one table',
      `${MODELS}const Other = defineModel({ name: 'Other', table: 'authors', fields: { id: f.id() } });\nexport default { models: [Author, Other] };`,
      /Other and Author have the same table "authors"/,
    ],
    [
      'a model without an id',
      `export default { models: [defineModel({ name: 'Tag', table: 'tags', fields: { label: f.text() } })] };`,
      /model Tag: needs exactly one f\.id\(\) field, has 0/,
    ],
    [
      'a bad table name',
      `export default { models: [defineModel({ name: 'Tag', table: 'Tags', fields: { id: f.id() } })] };`,
      /model Tag: table "Tags" must be lower-case/,
    ],
    [
      'a decimal default that breaks its own rule',
      `export default { models: [defineModel({ name: 'Tag', table: 'tags', fields: { id: f.id(), w: f.decimal({ precision: 4, scale: 2, max: '10', default: '12.00' }) } })] };`,
      /model Tag: default of w must be at most 10, got "12\.00"/,
    ],
    [
      'a codeOrder that leaves a code out',
      `export default { models: [defineModel({ name: 'Tag', table: 'tags', fields: { id: f.id(), n: f.integer() }, codeOrder: ['invalid_id'] })] };`,
      /model Tag: codeOrder must list each of its codes once \(invalid_id, duplicate_id, invalid_n\)/,
    ],
  ])('%s is one line naming the problem, exit 2', (_name, body, message) => {
    const cwd = writeConfig(`bad-${_name.replaceAll(' ', '-')}`, body);
    const r = runCli(['routes'], { cwd });
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(message);
  });

  it('a cycle of references is refused, naming it', async () => {
    const A = defineModel({ name: 'A', table: 'a', fields: { id: f.id() } });
    const B = defineModel({ name: 'B', table: 'b', fields: { id: f.id(), a_id: f.ref(A) } });
    // A cycle needs a model to reference one declared after it: only possible by editing the data.
    const cyclicA = {
      ...A,
      fields: [
        ...A.fields,
        { ...B.fields[1], name: 'b_id', type: { kind: 'reference', model: 'B', unknownCode: 'unknown_b' } },
      ],
    };
    await expect(openDistdb({ models: [cyclicA as never, B], env: {}, cwd: dir })).rejects.toThrow(
      /references form a cycle: A → B → A/,
    );
  });

  it('a relation the routers refuse is a configuration error naming it', async () => {
    const refuse: Router = { name: 'NoCrossRefs', allowRelation: () => false };
    await expect(
      openDistdb({ models: [Author, BlogPost], routers: [refuse], env: {}, cwd: dir }),
    ).rejects.toThrow(/router NoCrossRefs does not allow the relation BlogPost\.author_id → Author/);
  });

  it('--url for an alias nothing configures is an error naming it, and creates nothing', () => {
    const cwd = writeConfig('url', `${MODELS}export default { models: [Author, BlogPost] };`);
    const r = runCli(['migrate', '--url', `nosuch=sqlite:${join(cwd, 'nosuch.db')}`], { cwd });
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(
      /unknown database alias "nosuch" \(known: default, authors, blog_posts\)/,
    );
    expect(existsSync(join(cwd, 'nosuch.db'))).toBe(false);
  });

  it('every alias takes DISTDB_<ALIAS>_URL', async () => {
    const db = await openDistdb({
      models: [Author, BlogPost],
      // A variable for an alias the configuration does not name is someone else's.
      env: {
        DISTDB_BLOG_POSTS_URL: `sqlite:${join(dir, 'bp.db')}`,
        DISTDB_TEST_POSTGRES_URL: 'postgres://x@127.0.0.1:1',
      },
      cwd: dir,
    });
    try {
      expect(db.writeAlias(BlogPost)).toBe('blog_posts');
      expect(db.config.databases.blog_posts?.redacted).toBe(`sqlite:${join(dir, 'bp.db')}`);
      expect(db.config.origins.blog_posts).toBe('env');
      expect(db.aliases).toEqual(['default', 'authors', 'blog_posts']);
      expect(db.model('blog_post')).toBe(db.model('BlogPost'));
    } finally {
      await db.close();
    }
  });
});
