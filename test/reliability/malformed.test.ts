/**
 * Issue item 7: malformed input never crashes. Random and truncated dataset files, wrong JSON
 * shapes, unknown config keys, bad URLs and bad flags each give a one-line error naming the
 * problem, exit code 2, and nothing written (no data/ directory; or, on an existing deployment,
 * the same rows as before).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, expectOneLineError, runCli } from '../support/cli.js';
import { tempDir } from '../support/deployments.js';
import { withRaw } from '../support/rawdb.js';

const dirs: string[] = [];
function fresh(): string {
  const d = tempDir('distdb-malformed-');
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Exit 2, one line that names the problem, no stack trace, no "unexpected error". */
function expectUsageError(r: CliResult, problem: RegExp): string {
  const line = expectOneLineError(r);
  expect(line).not.toMatch(/unexpected error/);
  expect({ code: r.code, line }).toEqual({ code: 2, line: expect.stringMatching(problem) });
  return line;
}

/** Nothing but the files the test put there. */
function expectNothingWritten(cwd: string, own: string[]) {
  expect(readdirSync(cwd).sort()).toEqual([...own].sort());
}

const canonicalText = JSON.stringify({
  users: [
    { id: 1, name: 'Alice', email: 'alice@example.com' },
    { id: 2, name: 'Bob', email: 'bob@example.com' },
  ],
  products: [{ id: 1, name: 'Laptop', price: '1000.00' }],
  orders: [{ id: 1, user_id: 1, product_id: 1, quantity: 2 }],
});

const DATASET_PROBLEM =
  /dataset .*bad\.json: (not valid JSON|invalid UTF-8 at byte \d+|expected an object|"\w+" must be an array|unknown key|key "\w+" appears more than once)/;

function isValidShape(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  return Object.entries(v).every(([k, x]) => ['users', 'products', 'orders'].includes(k) && Array.isArray(x));
}

describe('malformed dataset files: exit 2, one line naming the file and the problem, nothing written', () => {
  const randomBytes = fc.sample(fc.uint8Array({ minLength: 0, maxLength: 200 }), { seed: 7, numRuns: 8 });
  const truncated = fc
    .sample(fc.integer({ min: 0, max: canonicalText.length - 1 }), { seed: 8, numRuns: 8 })
    .map((n) => canonicalText.slice(0, n));
  const wrongShapes = fc
    .sample(fc.jsonValue(), { seed: 9, numRuns: 40 })
    .filter((v) => !isValidShape(v))
    .slice(0, 8)
    .map((v) => JSON.stringify(v));
  const fixed = [
    '',
    ' ',
    'null',
    '42',
    '"users"',
    'true',
    '[]',
    '[{"id": 1}]',
    '{"users": null}',
    '{"users": "alice"}',
    '{"users": {"0": {"id": 1}}}',
    '{"Users": []}',
    '{"users": [], "extra": []}',
    '{"__proto__": []}',
    '{"constructor": []}',
    '{"users": [], "users": 5}',
    // A BOM is fine (exact-input.test.ts); a BOM in front of an array is still the wrong shape.
    '\ufeff[]',
    '{"users": [1, 2,]}',
    "{'users': []}",
    `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    `{"users": [${'{"id":1,"name":"A"'}`,
  ];
  const cases: [string, string | Uint8Array][] = [
    ...randomBytes.map((b, i): [string, Uint8Array] => [`random bytes #${i}`, b]),
    ...truncated.map((t): [string, string] => [`truncated at ${t.length}`, t]),
    ...wrongShapes.map((s): [string, string] => [`shape ${s.slice(0, 40)}`, s]),
    ...fixed.map((s): [string, string] => [`fixed ${JSON.stringify(s.slice(0, 40))}`, s]),
  ];

  it.each(cases)('%s', (_label, content) => {
    const cwd = fresh();
    writeFileSync(join(cwd, 'bad.json'), content);
    const r = runCli(['simulate', '--dataset', 'bad.json'], { cwd });
    if (r.code === 0) {
      // Random bytes can happen to be a valid dataset; then it must simply have run.
      expect(isValidShape(JSON.parse(Buffer.from(content).toString('utf8')))).toBe(true);
      return;
    }
    expectUsageError(r, DATASET_PROBLEM);
    expectNothingWritten(cwd, ['bad.json']);
  });

  it.each([
    ['a missing file', ['--dataset', 'nope.json'], /dataset nope\.json: file not found/],
    ['a directory', ['--dataset', 'adir'], /dataset adir: not a file/],
  ])('%s', (_label, args, problem) => {
    const cwd = fresh();
    mkdirSync(join(cwd, 'adir'));
    const r = runCli(['simulate', ...args], { cwd });
    expectUsageError(r, problem);
    expectNothingWritten(cwd, ['adir']);
  });
});

describe('a bad dataset against an existing deployment changes no row', () => {
  const cwd = fresh();
  const tables: Record<string, string[]> = {
    default: ['distdb_runs', 'distdb_run_failures', 'distdb_migrations'],
    users: ['users', 'distdb_batches'],
    products: ['products', 'distdb_batches'],
    orders: ['orders', 'distdb_batches'],
  };
  async function counts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const [alias, ts] of Object.entries(tables)) {
      await withRaw(`sqlite:${join(cwd, 'data', `${alias}.db`)}`, async (db) => {
        for (const t of ts)
          out[`${alias}.${t}`] = Number((await db.query(`SELECT COUNT(*) AS n FROM ${t}`))[0]?.n);
      });
    }
    return out;
  }
  let before: Record<string, number>;
  beforeAll(async () => {
    expect(runCli(['simulate'], { cwd }).code).toBe(0);
    before = await counts();
  });

  it.each([
    ['truncated', canonicalText.slice(0, 50), ['--append']],
    ['wrong shape', '{"users": {"id": 1}}', ['--reset']],
    ['unknown key', '{"customers": []}', ['--reset']],
  ])('%s dataset with %j', async (_label, content, extra) => {
    writeFileSync(join(cwd, 'bad.json'), content);
    const r = runCli(['simulate', '--dataset', 'bad.json', ...(extra as string[])], { cwd });
    expectUsageError(r, DATASET_PROBLEM);
    expect(await counts()).toEqual(before);
  });
});

describe('bad configuration files: exit 2, one line naming the file and the problem, nothing written', () => {
  it.each([
    ['distdb.config.json', '{"databases": {}, "extra": 1}', /distdb\.config\.json.*unknown key "extra"/],
    ['distdb.config.json', '{"database": {"users": "sqlite:./u.db"}}', /unknown key "database"/],
    ['distdb.config.json', '{"databases": {"Users": "sqlite:./u.db"}}', /invalid database alias "Users"/],
    [
      'distdb.config.json',
      '{"databases": {"users": {"url": "sqlite:./u.db"}}}',
      /"databases\.users" must be a string/,
    ],
    ['distdb.config.json', '{"databases": []}', /"databases" must be an object/],
    ['distdb.config.json', '{"routes": {"Customer": "users"}}', /unknown model "Customer"/],
    ['distdb.config.json', '{"routes": {"User": 5}}', /"routes\.User" must be a string/],
    ['distdb.config.json', '{"routers": 5}', /"routers" must be an array/],
    ['distdb.config.json', '[]', /must be an object, got an array/],
    ['distdb.config.json', '', /not valid JSON/],
    ['distdb.config.json', '{"databases": {"users": "oracle://x"}}', /unsupported URL scheme "oracle:"/],
    ['distdb.config.json', '{"databases": {"users": ""}}', /database "users".*not a database URL/],
    [
      'distdb.config.mjs',
      'throw new Error("broken config");',
      /distdb\.config\.mjs.*cannot load: broken config/,
    ],
    ['distdb.config.mjs', 'export default { databases: {}, colour: "red" };', /unknown key "colour"/],
  ])('%s: %s', (file, content, problem) => {
    for (const command of ['simulate', 'migrate']) {
      const cwd = fresh();
      writeFileSync(join(cwd, file), content);
      const r = runCli([command], { cwd });
      const line = expectUsageError(r, problem);
      expect(line).toContain(file);
      expectNothingWritten(cwd, [file]);
    }
  });

  it('--config pointing nowhere', () => {
    const cwd = fresh();
    const r = runCli(['simulate', '--config', 'missing.json'], { cwd });
    expectUsageError(r, /missing\.json.*file not found/);
    expectNothingWritten(cwd, []);
  });
});

describe('bad database URLs: exit 2, one line naming the problem, nothing written', () => {
  const urlCases: [string, string[], Record<string, string>, RegExp][] = [
    ['empty', ['--url', 'users='], {}, /not a database URL/],
    ['no scheme', ['--url', 'users=nonsense'], {}, /not a database URL/],
    [
      'unsupported scheme',
      ['--url', 'users=oracle://db.example.com/x'],
      {},
      /unsupported URL scheme "oracle:"/,
    ],
    ['bad alias', ['--url', 'Users=sqlite:./u.db'], {}, /invalid database alias "Users"/],
    ['no alias', ['--url', '=sqlite:./u.db'], {}, /expected ALIAS=URL/],
    ['no "="', ['--url', 'users'], {}, /expected ALIAS=URL/],
    ['from the environment', [], { DISTDB_USERS_URL: 'oracle://x' }, /unsupported URL scheme "oracle:"/],
    [
      'port not a number',
      ['--url', 'users=postgres://u:pw-Zq9@127.0.0.1:notaport/db'],
      {},
      /postgres:\/\/u:\*\*\*@127\.0\.0\.1:notaport\/db/,
    ],
    ['port out of range', ['--url', 'users=postgres://127.0.0.1:99999/db'], {}, /127\.0\.0\.1:99999/],
    [
      'bad %-escape',
      ['--url', 'orders=postgres://u:%zz@127.0.0.1:1/db'],
      {},
      /%-escape|not a valid database URL/,
    ],
    ['bad sslmode', ['--url', 'orders=postgres://127.0.0.1:1/db?sslmode=sometimes'], {}, /sslmode=sometimes/],
    ['bad pool size', ['--url', 'orders=mysql://127.0.0.1:1/db?pool=0'], {}, /pool=0/],
    ['unbalanced IPv6 host', ['--url', 'products=mysql://[::1/db'], {}, /mysql:\/\/\[::1\/db/],
  ];
  it.each(urlCases)('%s', (_label, args, env, problem) => {
    for (const command of ['simulate', 'migrate']) {
      const cwd = fresh();
      const r = runCli([command, ...args], { cwd, env });
      expectUsageError(r, problem);
      expectNothingWritten(cwd, []);
    }
  });
});

describe('bad flags: exit 2, one line naming the flag, nothing written', () => {
  const flagCases: [string[], RegExp][] = [
    [['simulate', '--threads', '0'], /--threads must be an integer from 1 to 256/],
    [['simulate', '--threads', '1.5'], /--threads must be an integer/],
    [['simulate', '--threads', ''], /--threads must be an integer/],
    [['simulate', '--threads'], /--threads/],
    [['simulate', '--dataset', 'generated', '--records', '0'], /--records must be an integer/],
    [['simulate', '--dataset', 'generated', '--records', '1e3'], /--records must be an integer/],
    [['simulate', '--dataset', 'generated', '--users', '-1'], /--users must be an integer/],
    [['simulate', '--dataset', 'generated', '--seed', '2147483648'], /--seed must be an integer/],
    [
      ['simulate', '--dataset', 'generated', '--invalid-ratio', '2'],
      /--invalid-ratio must be a number from 0 to 1/,
    ],
    [
      ['simulate', '--dataset', 'generated', '--invalid-ratio', 'NaN'],
      /--invalid-ratio must be a number from 0 to 1/,
    ],
    [['simulate', '--records', '10'], /--records needs --dataset generated/],
    [['simulate', '--resume', '0'], /--resume must be an integer/],
    [['simulate', '--resume', 'abc'], /--resume must be an integer/],
    [['simulate', '--resume', '1', '--reset'], /cannot be used with/],
    [['simulate', '--report', 'docx'], /--report.*docx|Allowed choices/],
    [['simulate', '--out', 'x.pdf'], /--out needs --report/],
    [['simulate', '--bogus'], /unknown option '--bogus'/],
    [['simulate', 'extra'], /too many arguments|unknown command|extra/],
    [['migrate', '--database', 'nope'], /unknown database alias "nope"/],
    [['reset', '--database', 'nope'], /unknown database alias "nope"/],
    [['showmigrations', '--database', 'nope'], /unknown database alias "nope"/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ];
  it.each(flagCases)('%j', (args, problem) => {
    const cwd = fresh();
    const r = runCli(args, { cwd });
    expectUsageError(r, problem);
    expectNothingWritten(cwd, []);
  });

  const help = runCli(['--help'], { cwd: tempDir('distdb-help-') }).stdout;
  const reportCases: [string[], RegExp][] = [
    ...(/\bruns\b/.test(help)
      ? [[['runs', '--limit', '0'], /--limit must be an integer/] as [string[], RegExp]]
      : []),
    ...(/\breport\b/.test(help)
      ? ([
          [['report'], /missing required argument/],
          [['report', 'abc'], /abc/],
          [['report', 'latest', '--format', 'docx'], /--format.*docx|Allowed choices/],
          [['report', 'latest', '--page-size', 'a5'], /--page-size.*a5|Allowed choices/],
          [['report', 'latest', '--max-failures', '-1'], /--max-failures must be an integer/],
        ] as [string[], RegExp][])
      : []),
  ];
  if (reportCases.length === 0) it.skip('runs/report commands (not in distdb --help yet)', () => {});
  else
    it.each(reportCases)('%j', (args, problem) => {
      const cwd = fresh();
      const r = runCli(args, { cwd });
      expectUsageError(r, problem);
      expectNothingWritten(cwd, []);
    });
});
