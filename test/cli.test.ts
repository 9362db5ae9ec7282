import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CANONICAL_OUTCOME } from './support/canonical.js';
import { expectOneLineError, runCli } from './support/cli.js';
import { tempDir } from './support/deployments.js';

const dirs: string[] = [];
function fresh(): string {
  const d = tempDir('distdb-cli-');
  dirs.push(d);
  return d;
}
afterAll(async () => {
  const { rmSync } = await import('node:fs');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('distdb simulate (CLI)', () => {
  const cwd = fresh();

  it('runs the canonical dataset on embedded SQLite in ./data and prints the JSON report', () => {
    const r = runCli(['simulate', '--json'], { cwd });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ run: 1, threads: 10, totals: CANONICAL_OUTCOME.totals });
    expect(typeof report.durationMs).toBe('number');
    for (const [alias, counts] of Object.entries(CANONICAL_OUTCOME.databases)) {
      expect(report.databases[alias]).toMatchObject(counts);
    }
    expect(
      report.failures.map((f: { model: string; id: number; code: string }) => [f.model, f.id, f.code]),
    ).toEqual(CANONICAL_OUTCOME.failures);
    for (const f of report.failures)
      expect(Object.keys(f).sort()).toEqual(['code', 'id', 'message', 'model', 'thread']);
    for (const name of ['default', 'users', 'products', 'orders'])
      expect(existsSync(join(cwd, 'data', `${name}.db`))).toBe(true);
  });

  it('refuses to run into tables that hold rows, with a one-line error and exit code 2', () => {
    const r = runCli(['simulate'], { cwd });
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/already holds 8 rows: pass --append to keep them or --reset/);
  });

  it('--reset gives the same result every time; the terminal report shows every figure', () => {
    for (let i = 0; i < 2; i++) {
      const r = runCli(['simulate', '--reset', '--threads', '4'], { cwd });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Total: 24/30 succeeded (80.0%), 6 failed');
      expect(r.stdout).toMatch(/users\s+sqlite\s+user\s+10\s+8\s+2/);
      expect(r.stdout).toMatch(/products\s+sqlite\s+product\s+10\s+9\s+1/);
      expect(r.stdout).toMatch(/orders\s+sqlite\s+order\s+10\s+7\s+3/);
      expect(r.stdout).toMatch(/user\s+8\s+duplicate_email\s+\d+\s+email "alice@example.com" already exists/);
      expect(r.stdout).toMatch(/records\/s/);
      expect(r.stdout).toMatch(/Threads\n\s+thread\s+records\s+succeeded\s+failed\s+busy ms/);
    }
  });

  it.each([
    [['--threads', '0'], /--threads must be an integer from 1 to 256/],
    [['--threads', 'abc'], /--threads must be an integer from 1 to 256/],
    [['--threads', '257'], /--threads must be an integer from 1 to 256/],
    [['--bogus'], /unknown option '--bogus'/],
    [['--reset', '--append'], /cannot be used with/],
  ])('bad flags %j: one line, exit code 2', (args, message) => {
    const r = runCli(['simulate', ...args], { cwd });
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(message);
  });
});

describe('dataset files', () => {
  const cases: [string, string | null, RegExp][] = [
    ['missing.json', null, /dataset .*missing\.json: file not found/],
    ['broken.json', '{"users": [', /dataset .*broken\.json: not valid JSON/],
    [
      'array.json',
      '[1,2,3]',
      /dataset .*array\.json: expected an object with "users", "products" and\/or "orders" arrays, got an array/,
    ],
    ['shape.json', '{"users": {"id": 1}}', /dataset .*shape\.json: "users" must be an array, got an object/],
    ['extra.json', '{"customers": []}', /dataset .*extra\.json: unknown key "customers"/],
  ];
  it.each(cases)('%s: one-line error naming the file, exit 2, nothing written', (name, content, message) => {
    const cwd = fresh();
    if (content !== null) writeFileSync(join(cwd, name), content);
    const r = runCli(['simulate', '--dataset', name], { cwd });
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(message);
    expect(existsSync(join(cwd, 'data'))).toBe(false);
  });

  it('runs a dataset file with partial keys and bad records', () => {
    const cwd = fresh();
    writeFileSync(
      join(cwd, 'set.json'),
      JSON.stringify({
        users: [
          { id: 1, name: 'Ann', email: 'ann@example.com' },
          { id: 2, name: 'B' },
        ],
        orders: [{ id: 1, user_id: 1, product_id: 1, quantity: 1 }],
      }),
    );
    const r = runCli(['simulate', '--dataset', 'set.json', '--json', '--threads', '2'], { cwd });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.totals).toMatchObject({ attempted: 3, succeeded: 1, failed: 2 });
    expect(report.failures.map((f: { code: string }) => f.code)).toEqual(['invalid_name', 'unknown_product']);
    expect(report.failures[0].message).toBe(
      'name must have at least 2 characters after trimming, got 1; email is required',
    );
  });
});

describe('reading commands in a directory with no runs', () => {
  it('runs and report say there are none and create no database', () => {
    const cwd = fresh();
    const runs = runCli(['runs'], { cwd });
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(/no runs yet/i);
    const report = runCli(['report', 'latest'], { cwd });
    expect(report.code).toBe(2);
    expect(expectOneLineError(report)).toMatch(/no runs yet/);
    expect(existsSync(join(cwd, 'data'))).toBe(false);
  });
});

describe('migrate, showmigrations, routes, reset', () => {
  const cwd = fresh();

  it('showmigrations lists pending migrations per database before migrate', () => {
    const r = runCli(['showmigrations'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('users (sqlite:./data/users.db)\n  [ ] 0002_create_users');
  });

  it('migrate applies per database and is idempotent', () => {
    const first = runCli(['migrate'], { cwd });
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(
      [
        'default (sqlite:./data/default.db)',
        '  applied 0001_run_history',
        '  applied 0005_run_keys',
        '  applied 0007_run_failures_by_code',
        'users (sqlite:./data/users.db)',
        '  applied 0002_create_users',
        '  applied 0006_users_case_fold',
        'products (sqlite:./data/products.db)',
        '  applied 0003_create_products',
        'orders (sqlite:./data/orders.db)',
        '  applied 0004_create_orders',
        '',
      ].join('\n'),
    );
    const again = runCli(['migrate', '--database', 'users'], { cwd });
    expect(again.stdout).toBe('users (sqlite:./data/users.db)\n  no migrations to apply\n');
    const shown = runCli(['showmigrations', '--database', 'orders'], { cwd });
    expect(shown.stdout).toBe('orders (sqlite:./data/orders.db)\n  [X] 0004_create_orders\n');
  });

  it('unknown alias: one line, exit 2', () => {
    const r = runCli(['migrate', '--database', 'nope'], { cwd });
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(
      /unknown database alias "nope" \(configured: default, users, products, orders\)/,
    );
  });

  it('routes shows read, write and migrate database of every model and the deciding router', () => {
    const r = runCli(['routes'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/User\s+users\s+users\s+users\s+TableRouter/);
    expect(r.stdout).toMatch(/Product\s+products\s+products\s+products\s+TableRouter/);
    expect(r.stdout).toMatch(/Order\s+orders\s+orders\s+orders\s+TableRouter/);
  });

  it('routes follow the configuration file; env overrides the file; --url overrides env', () => {
    const dir = fresh();
    writeFileSync(
      join(dir, 'distdb.config.json'),
      JSON.stringify({
        databases: { shop: 'sqlite:./data/shop.db' },
        routes: { Product: 'shop', Order: 'shop' },
      }),
    );
    const r = runCli(['routes'], { cwd: dir });
    expect(r.stdout).toMatch(/Product\s+shop\s+shop\s+shop/);
    const env = { DISTDB_SHOP_URL: 'sqlite:./data/env-shop.db' };
    expect(runCli(['showmigrations', '--database', 'shop'], { cwd: dir, env }).stdout).toContain(
      'shop (sqlite:./data/env-shop.db)',
    );
    const flagged = runCli(['showmigrations', '--database', 'shop', '--url', 'shop=sqlite:./data/flag.db'], {
      cwd: dir,
      env,
    });
    expect(flagged.stdout).toContain('shop (sqlite:./data/flag.db)');
  });

  it('a distdb.config.ts can declare databases and routers; the routers are asked first', () => {
    const dir = fresh();
    writeFileSync(
      join(dir, 'distdb.config.ts'),
      [
        "import type { Router } from 'distdb';",
        "const archive: Router = { name: 'ArchiveRouter', dbForRead: (model: string) => (model === 'Order' ? 'archive' : undefined) };",
        "export default { databases: { archive: 'sqlite:./data/archive.db' }, routers: [archive] };",
      ].join('\n'),
    );
    const r = runCli(['routes'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Order\s+archive\s+orders\s+orders\s+ArchiveRouter,TableRouter/);
    expect(r.stdout).toMatch(/User\s+users\s+users\s+users\s+TableRouter/);
  });

  it.each([
    ['{"databases": {"users": 5}}', /"databases.users" must be a string, got a number/],
    [
      '{"database": {}}',
      /unknown key "database" \(allowed: databases, routes, sharding, replicas, routers, models, migrations\)$/,
    ],
    ['{"routes": {"User": "nowhere"}}', /model User is routed to unknown database "nowhere"/],
    ['{"databases": {"users": "oracle://x"}}', /unsupported URL scheme "oracle:"/],
    ['{oops', /not valid JSON/],
    ['[1]', /json: must be an object, got an array$/],
    ['{"databases": []}', /"databases" must be an object, got an array$/],
    ['{"databases": {"Users": "sqlite:u.db"}}', /databases: invalid database alias "Users" \(use lower-case/],
    ['{"routes": {"User": 1}}', /"routes.User" must be a string, got a number$/],
    ['{"routes": {"Users": "users"}}', /routes: unknown model "Users" \(known: User, Product, Order, Run\)$/],
    ['{"routers": [{"name": "a"}, {"name": 1}]}', /"routers\[1\].name" must be a string, got a number$/],
    ['{"routers": [{"name": "a"}, {}]}', /"routers\[1\]" must have a "name"$/],
    [
      '{"routers": [{"name": "a", "dbForRead": "x"}]}',
      /"routers\[0\].dbForRead" must be a function, got a string$/,
    ],
  ])('bad config %s: one line naming the file first, exit 2', (content, message) => {
    const dir = fresh();
    writeFileSync(join(dir, 'distdb.config.json'), content);
    const r = runCli(['routes'], { cwd: dir });
    expect(r.code).toBe(2);
    const line = expectOneLineError(r);
    expect(line).toMatch(/^distdb: error: \S*distdb\.config\.json: /);
    expect(line).toMatch(message);
  });

  it('a .ts config and the .ts module it imports are loaded without writing a file beside them', () => {
    const cwd = fresh();
    const dir = join(cwd, 'conf');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'archive.ts'),
      [
        "import type { Router } from 'distdb';",
        "export const archive: Router = { name: 'ArchiveRouter', dbForRead: () => 'archive' };",
      ].join('\n'),
    );
    // The config lists its own directory while it loads, so a file that exists only meanwhile shows too.
    writeFileSync(
      join(dir, 'distdb.config.ts'),
      [
        "import { readdirSync } from 'node:fs';",
        "import { archive } from './archive.ts';",
        "const files: string[] = readdirSync(new URL('.', import.meta.url)).sort();",
        "export default { databases: { archive: 'sqlite:./data/archive.db' }, routers: [{ ...archive, name: files.join('+') }] };",
      ].join('\n'),
    );
    const before = readdirSync(dir).sort();
    const r = runCli(['routes', '--config', 'conf/distdb.config.ts'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      /Order\s+archive\s+orders\s+orders\s+archive\.ts\+distdb\.config\.ts,TableRouter/,
    );
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('a .ts config whose router has a non-function dbForRead: the error names its path', () => {
    const dir = fresh();
    writeFileSync(
      join(dir, 'distdb.config.ts'),
      "export default { routers: [{ name: 'Archive', dbForRead: 'archive' as string }] };",
    );
    const r = runCli(['routes'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(
      /distdb\.config\.ts: "routers\[0\]\.dbForRead" must be a function, got a string$/,
    );
  });

  it('reset empties the model tables of one database or all', () => {
    expect(runCli(['simulate', '--json'], { cwd }).code).toBe(0);
    const one = runCli(['reset', '--database', 'users'], { cwd });
    expect(one.stdout).toBe('emptied users: 8 rows removed\n');
    const all = runCli(['reset'], { cwd });
    expect(all.stdout).toBe(
      'emptied orders: 7 rows removed\nemptied products: 9 rows removed\nemptied users: 0 rows removed\n',
    );
  });

  it('--version and --help on every command', () => {
    expect(runCli(['--version'], { cwd }).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    for (const cmd of ['migrate', 'showmigrations', 'routes', 'simulate', 'reset']) {
      const r = runCli([cmd, '--help'], { cwd });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: distdb ${cmd}`);
    }
  });
});
