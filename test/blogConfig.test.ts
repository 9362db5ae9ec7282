import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDistdb, type RunReport } from 'distdb';
import { afterAll, describe, expect, it } from 'vitest';
import { writeBlogConfig } from './support/blogConfig.js';
import { BLOG_MODELS } from './support/blogSchema.js';
import { runCli } from './support/cli.js';
import { tempDir } from './support/deployments.js';
import { killAt } from './support/pause.js';

const dir = tempDir('distdb-blog-cli-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const GENERATED = ['--dataset', 'generated', '--records', '3000', '--count', 'Post=1000'];
const simulate = (...extra: string[]) => [
  'simulate',
  ...GENERATED,
  '--invalid-ratio',
  '0.3',
  '--seed',
  '9',
  '--threads',
  '2',
  '--json',
  ...extra,
];

function cli(args: string[]) {
  const r = runCli(args, { cwd: dir });
  expect({ args, stderr: r.stderr, code: r.code }).toEqual({ args, stderr: r.stderr, code: 0 });
  return r.stdout;
}

/** What a run decided: per model and per code. */
const outcome = (r: RunReport) => ({
  models: Object.fromEntries(Object.entries(r.models).map(([k, v]) => [k, [v.attempted, v.succeeded]])),
  failuresByCode: r.failuresByCode,
});

describe('the blog as a config file: makemigrations, migrate, simulate, resume, reports', () => {
  let reference: RunReport;

  it('declares the same models as the schema module', async () => {
    writeBlogConfig(dir);
    const db = await openDistdb({ cwd: dir, env: {} });
    try {
      expect(JSON.parse(JSON.stringify(db.models))).toEqual(JSON.parse(JSON.stringify(BLOG_MODELS)));
      expect(new Set(db.models.map((m) => db.writeAlias(m))).size).toBe(3);
    } finally {
      await db.close();
    }
  });

  it('simulate refuses the models before makemigrations; after makemigrations and migrate it runs with no mismatch', () => {
    const refused = runCli(simulate(), { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/model Author differs from its migrations: run `distdb makemigrations`/);
    expect(cli(['makemigrations'])).toMatch(/migrations\/0001_initial\.json/);
    expect(cli(['migrate'])).toMatch(/0001_initial/);
    reference = JSON.parse(cli(simulate())) as RunReport;
    expect(reference.expectations?.mismatches).toBe(0);
    expect(reference.models.post?.attempted).toBe(1000);
    expect(reference.totals.attempted).toBe(4 * 600 + 1000);
  });

  it('a run killed after its first batch of posts is finished exactly by --resume', async () => {
    await killAt(simulate('--reset'), { cwd: dir, at: 'batch-committed:post:0' });
    const runs = cli(['runs']);
    const id = /^\s*(\d+)\s.*interrupted/m.exec(runs)?.[1];
    expect(id, runs).toBeDefined();
    const resumed = JSON.parse(cli(['simulate', '--resume', String(id), '--json'])) as RunReport;
    expect(resumed.resumed).toBe(true);
    expect(resumed.expectations?.mismatches).toBe(0);
    expect(outcome(resumed)).toEqual(outcome(reference));
  });

  it('every report format shows the blog models', () => {
    const md = cli(['report', 'latest', '--format', 'md']);
    for (const name of ['author', 'category', 'tag', 'post', 'comment']) expect(md).toContain(name);
    const json = JSON.parse(cli(['report', 'latest', '--format', 'json'])) as RunReport;
    expect(Object.keys(json.models).sort()).toEqual(['author', 'category', 'comment', 'post', 'tag']);
    const html = cli(['report', 'latest', '--format', 'html']);
    expect(html).toContain('discussion');
    expect(cli(['routes'])).toMatch(/Comment\s+discussion\s+discussion/);
  });

  it('a dataset file holds each model under its table name', () => {
    const file = join(dir, 'blog.json');
    writeFileSync(
      file,
      JSON.stringify({
        authors: [
          {
            id: 1,
            name: 'Ada',
            handle: 'ada',
            email: 'ada@example.com',
            joined_at: '2024-01-02T03:04:05+02:00',
          },
          { id: 2, name: 'Bob', handle: 'ADA', email: 'bob@example.com', joined_at: '2024-01-02T03:04:05Z' },
        ],
        categories: [{ id: 1, slug: 'news', title: 'News', position: 1 }],
      }),
    );
    const report = JSON.parse(cli(['simulate', '--dataset', file, '--reset', '--json'])) as RunReport;
    expect(report.totals.attempted).toBe(3);
    expect(report.failuresByCode).toEqual({ handle_taken: 1 });
    const bad = runCli(['simulate', '--dataset', file.replace('blog', 'nope')], { cwd: dir });
    expect(bad.code).toBe(2);
    writeFileSync(file, JSON.stringify({ users: [] }));
    const wrongKey = runCli(['simulate', '--dataset', file], { cwd: dir });
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.stderr).toMatch(
      /unknown key "users" \(expected authors, categories, tags, posts, comments\)/,
    );
    expect(readFileSync(join(dir, 'migrations/0001_initial.json'), 'utf8')).toContain('"model": "Comment"');
  });
});
