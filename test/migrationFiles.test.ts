/**
 * An application's migrations as files: makemigrations writes them from the models, migrate
 * applies them, showmigrations lists them; an applied file must not change, and models must not
 * drift from their files. On SQLite, through the CLI, in a temp dir with a config of its own.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDistdb } from 'distdb';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLineError, runCli } from './support/cli.js';
import { tempDir } from './support/deployments.js';
import { withRaw } from './support/rawdb.js';
import { migrationFile, migrationFiles, writeBlogConfig } from './support/userSchema.js';

const dirs: string[] = [];
function fresh(): string {
  const d = tempDir('distdb-migfiles-');
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const blogUrl = (dir: string) => `sqlite:${join(dir, 'data', 'blog.db')}`;
const rowsOf = (dir: string, table: string) =>
  withRaw(blogUrl(dir), (db) => db.query(`SELECT * FROM ${table} ORDER BY id`));

const AUTHORS_TABLE = {
  name: 'authors',
  columns: [
    { name: 'id', type: { kind: 'bigint' } },
    { name: 'name', type: { kind: 'varchar', length: 50 } },
  ],
  primaryKey: 'id',
  checks: [{ kind: 'range', column: 'id', min: 1 }],
  uniques: [],
  indexes: [],
};

describe('makemigrations, migrate and showmigrations for declared models', () => {
  const cwd = fresh();
  writeBlogConfig(cwd);

  it('makemigrations writes 0001_initial.json with a createTable step per model', () => {
    const r = runCli(['makemigrations'], { cwd });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toBe(
      'Wrote migrations/0001_initial.json\n  + Author: create table authors\n  + Post: create table posts\n',
    );
    const [author, post] = migrationFile(cwd, '0001_initial.json').operations;
    expect(author).toEqual({ model: 'Author', kind: 'createTable', table: AUTHORS_TABLE });
    expect(post).toMatchObject({
      model: 'Post',
      kind: 'createTable',
      table: {
        name: 'posts',
        primaryKey: 'id',
        indexes: [{ name: 'posts_author_id_idx', columns: ['author_id'] }],
      },
    });
    const { table } = post as { table: { columns: { name: string }[] } };
    const columns = table.columns.map((c) => c.name);
    expect(columns).toEqual(['id', 'author_id', 'title']);
  });

  it('a second makemigrations finds no changes and writes nothing', () => {
    const r = runCli(['makemigrations'], { cwd });
    expect([r.code, r.stdout]).toEqual([0, 'No changes: the migrations match the models.\n']);
    expect(migrationFiles(cwd)).toEqual(['0001_initial.json']);
  });

  it('migrate creates the tables where the router sends them; showmigrations lists them', async () => {
    const r = runCli(['migrate'], { cwd });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(`blog (${blogUrl(cwd)})\n  applied 0001_initial\n`);
    expect(r.stdout).toContain('  applied 0001_run_history\n');
    await withRaw(blogUrl(cwd), async (db) =>
      expect((await db.tables()).sort()).toEqual(['authors', 'distdb_batches', 'distdb_migrations', 'posts']),
    );
    const shown = runCli(['showmigrations', '--database', 'blog'], { cwd });
    expect(shown.stdout).toBe(`blog (${blogUrl(cwd)})\n  [X] 0001_initial\n`);
  });

  it('rows inserted through the library stay as they are when an optional field is added', async () => {
    const db = await openDistdb({ cwd, env: {} });
    try {
      expect(await db.insert(db.model('Author'), { id: 1, name: 'Ann' })).toMatchObject({ ok: true });
      for (const id of [1, 2])
        expect(await db.insert(db.model('Post'), { id, author_id: 1, title: `Post ${id}` })).toMatchObject({
          ok: true,
        });
    } finally {
      await db.close();
    }
    const before = await rowsOf(cwd, 'posts');
    writeBlogConfig(cwd, 'score: f.integer({ optional: true, min: 0, max: 10 })');
    const made = runCli(['makemigrations'], { cwd });
    expect(made.stdout).toBe('Wrote migrations/0002_add_post_score.json\n  + Post: add field score\n');
    expect(migrationFile(cwd, '0002_add_post_score.json').operations).toEqual([
      {
        model: 'Post',
        kind: 'addColumn',
        table: 'posts',
        column: { name: 'score', type: { kind: 'integer' }, nullable: true },
        checks: [{ kind: 'range', column: 'score', min: 0, max: 10 }],
      },
    ]);
    const r = runCli(['migrate', '--database', 'blog'], { cwd });
    expect(r.stdout).toBe(`blog (${blogUrl(cwd)})\n  applied 0002_add_post_score\n`);
    expect(await rowsOf(cwd, 'posts')).toEqual(before.map((row) => ({ ...row, score: null })));
  });

  it('an applied file that was edited is refused by migrate, naming it, and marked by showmigrations', () => {
    const file = join(cwd, 'migrations', '0002_add_post_score.json');
    const original = readFileSync(file);
    writeFileSync(file, original.toString().replace('"max": 10', '"max": 11'));
    try {
      const r = runCli(['migrate'], { cwd });
      expect(r.code).toBe(1);
      expect(expectOneLineError(r)).toMatch(
        /migration file migrations\/0002_add_post_score\.json has changed since it was applied to database "blog"/,
      );
      expect(r.stdout).toBe('');
      const shown = runCli(['showmigrations', '--database', 'blog'], { cwd });
      expect(shown.stdout).toContain('[X] 0002_add_post_score (file changed since it was applied)');
    } finally {
      writeFileSync(file, original);
    }
    expect(runCli(['migrate'], { cwd }).code).toBe(0);
  });

  it('a model changed without makemigrations is refused by simulate and reported by showmigrations', () => {
    writeBlogConfig(
      cwd,
      'score: f.integer({ optional: true, min: 0, max: 10 }), body: f.text({ optional: true })',
    );
    const r = runCli(['simulate', '--dataset', 'generated', '--records', '10'], { cwd });
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toBe(
      'distdb: error: model Post differs from its migrations: run `distdb makemigrations`',
    );
    const shown = runCli(['showmigrations', '--database', 'blog'], { cwd });
    expect(shown.stdout.split('\n').at(-2)).toBe(
      'Post: differs from its migrations: run `distdb makemigrations`',
    );
  });

  it('removing a field writes a dropColumn step holding the table as it is after', () => {
    writeBlogConfig(cwd);
    const r = runCli(['makemigrations'], { cwd });
    expect(r.stdout).toBe(
      [
        'Wrote migrations/0003_remove_post_score.json',
        '  - Post: remove field score',
        'Warning: field Post.score is gone: migrate drops its column and the values in it',
        '',
      ].join('\n'),
    );
    const [step] = migrationFile(cwd, '0003_remove_post_score.json').operations;
    expect(step).toMatchObject({ model: 'Post', kind: 'dropColumn', table: 'posts', column: 'score' });
    const result = step?.result as { columns: { name: string }[]; checks: { column: string }[] };
    expect(result.columns.map((c) => c.name)).toEqual(['id', 'author_id', 'title']);
    expect(result.checks.map((c) => c.column)).toEqual(['id', 'author_id']);
    expect(migrationFiles(cwd)).toEqual([
      '0001_initial.json',
      '0002_add_post_score.json',
      '0003_remove_post_score.json',
    ]);
  });
});

describe('a field with a default on a table that holds rows', () => {
  const cwd = fresh();

  it('is added with the default given to every stored row', async () => {
    writeBlogConfig(cwd);
    expect(runCli(['makemigrations'], { cwd }).code).toBe(0);
    expect(runCli(['migrate'], { cwd }).code).toBe(0);
    const db = await openDistdb({ cwd, env: {} });
    try {
      await db.insert(db.model('Author'), { id: 1, name: 'Ann' });
      for (const id of [1, 2, 3]) await db.insert(db.model('Post'), { id, author_id: 1, title: `T${id}` });
    } finally {
      await db.close();
    }
    const before = await rowsOf(cwd, 'posts');
    writeBlogConfig(
      cwd,
      "status: f.enum(['draft', 'live'], { default: 'draft' }), rank: f.integer({ optional: true })",
    );
    const made = runCli(['makemigrations'], { cwd });
    expect(made.stdout).toBe(
      'Wrote migrations/0002_add_post_status_rank.json\n  + Post: add field status\n  + Post: add field rank\n',
    );
    const [status] = migrationFile(cwd, '0002_add_post_status_rank.json').operations;
    expect(status).toMatchObject({ kind: 'addColumn', column: { name: 'status', default: 'draft' } });
    const r = runCli(['migrate'], { cwd });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(await rowsOf(cwd, 'posts')).toEqual(
      before.map((row) => ({ ...row, status: 'draft', rank: null })),
    );
  });
});

describe('a field removed from a table that holds rows', () => {
  const cwd = fresh();

  it('is dropped by migrate, the other columns of every row kept', async () => {
    writeBlogConfig(cwd, 'score: f.integer({ optional: true })');
    expect(runCli(['makemigrations'], { cwd }).code).toBe(0);
    expect(runCli(['migrate'], { cwd }).code).toBe(0);
    const db = await openDistdb({ cwd, env: {} });
    try {
      await db.insert(db.model('Author'), { id: 1, name: 'Ann' });
      for (const id of [1, 2])
        await db.insert(db.model('Post'), { id, author_id: 1, title: `T${id}`, score: id });
    } finally {
      await db.close();
    }
    const before = await rowsOf(cwd, 'posts');
    writeBlogConfig(cwd);
    expect(runCli(['makemigrations'], { cwd }).code).toBe(0);
    expect(runCli(['migrate'], { cwd }).code).toBe(0);
    expect(await rowsOf(cwd, 'posts')).toEqual(before.map(({ score: _, ...row }) => row));
  });
});
