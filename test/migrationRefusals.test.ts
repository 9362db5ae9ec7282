/**
 * What migration files and makemigrations refuse, each as one line naming the file or the
 * Model.field, never a stack trace; and what makemigrations says about steps that lose data.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLineError, runCli } from './support/cli.js';
import { tempDir } from './support/deployments.js';
import { migrationFile, migrationFiles, writeBlogConfig } from './support/userSchema.js';

const dirs: string[] = [];
/** A blog whose first migration is written (not applied). */
function blog(postFields = ''): string {
  const d = tempDir('distdb-migrefuse-');
  dirs.push(d);
  writeBlogConfig(d, postFields);
  expect(runCli(['makemigrations'], { cwd: d }).code).toBe(0);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const write = (cwd: string, name: string, text: string) => writeFileSync(join(cwd, 'migrations', name), text);

function expectRefused(cwd: string, args: string[], message: RegExp, code = 2): void {
  const r = runCli(args, { cwd });
  expect(r.code).toBe(code);
  expect(expectOneLineError(r)).toMatch(message);
}

describe('a migration file that cannot be read as one', () => {
  const cwd = blog();

  it.each([
    ['bad JSON', '{ "operations": [ }', /0002_x\.json: not valid JSON: .* at line 1, column 19$/],
    [
      'a repeated key',
      '{ "operations": [], "operations": [] }',
      /0002_x\.json: "operations" appears more than once/,
    ],
    [
      'an unknown step',
      '{ "operations": [ { "model": "Post", "kind": "renameTable", "table": "posts" } ] }',
      /0002_x\.json: operations\[0\]\.kind: unknown step "renameTable" \(known: createTable, dropTable, /,
    ],
    [
      'a step without its table',
      '{ "operations": [ { "model": "Post", "kind": "dropTable" } ] }',
      /0002_x\.json: operations\[0\]: "table" is missing$/,
    ],
    [
      'a name that is not an identifier',
      '{ "operations": [ { "model": "Post", "kind": "dropTable", "table": "posts; DROP" } ] }',
      /operations\[0\]\.table: must be a name of lower-case letters/,
    ],
    [
      'a step on a table no migration created',
      '{ "operations": [ { "model": "Ghost", "kind": "dropTable", "table": "ghosts" } ] }',
      /0002_x\.json: operations\[0\]: there is no table ghosts at this point$/,
    ],
  ])('%s is one line naming the file, for every command reading them', (_label, text, message) => {
    write(cwd, '0002_x.json', text);
    try {
      expectRefused(cwd, ['makemigrations'], message);
      expectRefused(cwd, ['simulate', '--dataset', 'generated'], message);
      expectRefused(cwd, ['migrate'], message);
    } finally {
      rmSync(join(cwd, 'migrations', '0002_x.json'));
    }
  });

  it('a file named against the pattern, or sharing a number, is refused', () => {
    write(cwd, 'add-things.json', '{}');
    expectRefused(cwd, ['showmigrations'], /add-things\.json: the name must be NNNN_name\.json/);
    rmSync(join(cwd, 'migrations', 'add-things.json'));
    write(cwd, '0001_again.json', readFileSync(join(cwd, 'migrations', '0001_initial.json'), 'utf8'));
    expectRefused(cwd, ['migrate'], /its number is also the number of 0001_(again|initial)\.json/);
    rmSync(join(cwd, 'migrations', '0001_again.json'));
  });
});

describe('makemigrations refuses what no migration step can do', () => {
  it('a required field without a default on an existing table', () => {
    const cwd = blog();
    writeBlogConfig(cwd, 'views: f.integer()');
    expectRefused(
      cwd,
      ['makemigrations'],
      /cannot add Post\.views: rows already in table posts would have no value for it; make it optional or give it a default$/,
    );
    expect(migrationFiles(cwd)).toEqual(['0001_initial.json']);
  });

  it.each([
    [
      'f.text({ maxLength: 200 })',
      /Post\.title: its column type changed from varchar\(100\) to varchar\(200\)/,
    ],
    ['f.text({ maxLength: 100, optional: true })', /Post\.title: it became optional/],
    ["f.text({ maxLength: 100, default: 'x' })", /Post\.title: its default changed from none to "x"/],
  ])('a changed rule of an existing field: title %s', (title, message) => {
    const cwd = blog();
    writeFileSync(
      join(cwd, 'distdb.config.mjs'),
      readFileSync(join(cwd, 'distdb.config.mjs'), 'utf8').replace('f.text({ maxLength: 100 })', title),
    );
    expectRefused(cwd, ['makemigrations'], message);
  });

  it('an enum whose values changed', () => {
    const cwd = blog("kind: f.enum(['a', 'b'], { default: 'a' })");
    writeBlogConfig(cwd, "kind: f.enum(['a', 'b', 'c'], { default: 'a' })");
    expectRefused(cwd, ['makemigrations'], /Post\.kind: its .* changed/);
  });

  it('a name that is not lower-case letters, digits and _', () => {
    const cwd = blog();
    writeBlogConfig(cwd, 'views: f.integer({ optional: true })');
    expectRefused(
      cwd,
      ['makemigrations', '--name', 'Add Views'],
      /migration name must be 1 to 80 lower-case/,
    );
  });
});

describe('makemigrations on later changes', () => {
  it('a new model is create_<table>; a removed one is dropped with a warning that its rows go', () => {
    const cwd = blog();
    const config = join(cwd, 'distdb.config.mjs');
    const withComments = readFileSync(config, 'utf8')
      .replace(
        'export default {',
        "const Comment = defineModel({ name: 'Comment', table: 'comments', fields: { id: f.id(), body: f.text() } });\nexport default {",
      )
      .replace('models: [Author, Post]', 'models: [Author, Post, Comment]')
      .replace("Post: 'blog' }", "Post: 'blog', Comment: 'blog' }");
    writeFileSync(config, withComments);
    const added = runCli(['makemigrations'], { cwd });
    expect(added.stdout).toBe(
      'Wrote migrations/0002_create_comments.json\n  + Comment: create table comments\n',
    );
    writeBlogConfig(cwd);
    const removed = runCli(['makemigrations'], { cwd });
    expect(removed.stdout).toBe(
      [
        'Wrote migrations/0003_delete_comment.json',
        '  - Comment: drop table comments',
        'Warning: model Comment is gone: migrate drops table comments and every row in it',
        '',
      ].join('\n'),
    );
    expect(migrationFile(cwd, '0003_delete_comment.json').operations).toEqual([
      { model: 'Comment', kind: 'dropTable', table: 'comments' },
    ]);
  });

  it('the folder is created when missing, and nothing shows a database password', () => {
    const cwd = tempDir('distdb-migrefuse-');
    dirs.push(cwd);
    writeBlogConfig(cwd);
    const env = { DISTDB_BLOG_URL: 'postgres://app:s3cretpw@127.0.0.1:1/blog' };
    const r = runCli(['makemigrations', '--name', 'start'], { cwd, env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Wrote migrations\/0001_start\.json\n/);
    expect(r.stdout + r.stderr).not.toContain('s3cretpw');
    expect(existsSync(join(cwd, 'migrations', '0001_start.json'))).toBe(true);
  });

  it('a migrations folder set in the config is used, relative to the working directory', () => {
    const cwd = tempDir('distdb-migrefuse-');
    dirs.push(cwd);
    writeBlogConfig(cwd);
    const config = join(cwd, 'distdb.config.mjs');
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace(
        'export default {',
        "export default {\n  migrations: './db/steps',",
      ),
    );
    mkdirSync(join(cwd, 'db'));
    expect(runCli(['makemigrations'], { cwd }).stdout).toMatch(/^Wrote db\/steps\/0001_initial\.json\n/);
  });
});
