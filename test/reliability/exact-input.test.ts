/**
 * A dataset file is read exactly as written, and no record can take the run down: bytes that
 * are not UTF-8 refuse the file (naming where), a BOM is fine, number literals keep their exact
 * value (a double would round 9007199254740993 or 1.0000000000000001 before validation), a key
 * written twice fails its record, and a record too large or too deeply nested fails with its
 * own code instead of exhausting a worker's memory or stack.
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDistdb, type User, UserModel } from 'distdb';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliResult, expectOneLineError, runCli } from '../support/cli.js';
import { sqliteUrls, tempDir } from '../support/deployments.js';
import { withRaw } from '../support/rawdb.js';

const dirs: string[] = [];
function fresh(): string {
  const d = tempDir('distdb-exact-');
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Failure {
  model: string;
  id: unknown;
  code: string;
  message: string;
}

/** Runs `simulate --json` on a dataset file written as `content` (text or raw bytes). */
function simulateFile(content: string | Buffer): { r: CliResult; cwd: string; failures: Failure[] } {
  const cwd = fresh();
  writeFileSync(join(cwd, 'data.json'), content);
  const r = runCli(['simulate', '--dataset', 'data.json', '--json', '--threads', '2'], { cwd });
  const failures = r.code === 0 ? (JSON.parse(r.stdout).failures as Failure[]) : [];
  return { r, cwd, failures };
}

const users = (...extra: string[]) =>
  `{"users": [{"id": 1, "name": "Alice", "email": "alice@example.com"}${extra.map((e) => `, ${e}`).join('')}]}`;

describe('dataset files are read exactly', () => {
  it('invalid UTF-8 refuses the file, naming the byte offset, line and column; nothing is written', () => {
    const text = Buffer.from(users('{"id": 2, "name": "Bé', '"email": "b@example.com"}'));
    // "é" as Latin-1 (one byte 0xE9), which is not UTF-8.
    const bytes = Buffer.from(text.toString('utf8').replace('é', '\u0000'), 'utf8');
    const at = bytes.indexOf(0);
    bytes[at] = 0xe9;
    const { r, cwd } = simulateFile(bytes);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toBe(
      `distdb: error: dataset data.json: invalid UTF-8 at byte ${at} (line 1, column ${at + 1})`,
    );
    expect(readdirSync(cwd)).toEqual(['data.json']);
  });

  it('a UTF-8 BOM is accepted', () => {
    const { r } = simulateFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(users())]));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).totals.succeeded).toBe(1);
  });

  it('a syntax error names its line and column, on one line', () => {
    const { r } = simulateFile(
      '{"users": [\n  {"id": 1, "name": "Alice",\n   "email": "a@example.com",}\n]}',
    );
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toBe(
      'distdb: error: dataset data.json: not valid JSON: unexpected "}" at line 3, column 29',
    );
  });

  it('number literals keep their exact value: what a double cannot hold fails, with the literal as written', () => {
    const { r, cwd, failures } = simulateFile(
      JSON.stringify({ products: [] }).replace(
        '[]',
        `[{"id": 9007199254740993, "name": "Big", "price": "1.00"},
          {"id": 1.0000000000000001, "name": "Almost one", "price": "1.00"},
          {"id": 3, "name": "Tiny fraction", "price": 1.000000000000000001},
          {"id": 4, "name": "Exact", "price": 12.50},
          {"id": 5, "name": "Huge", "price": 1e400}]`,
      ),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(failures.map((f) => [f.id, f.code, f.message])).toEqual([
      ['9007199254740993', 'invalid_id', 'id must be a positive integer, got 9007199254740993'],
      ['1.0000000000000001', 'invalid_id', 'id must be a positive integer, got 1.0000000000000001'],
      [3, 'invalid_price', 'price 1.000000000000000001 has more than 2 decimal places'],
      [5, 'invalid_price', 'price 1e400 is out of range'],
    ]);
    return withRaw(`sqlite:${join(cwd, 'data', 'products.db')}`, async (db) => {
      expect(await db.query('SELECT id, price FROM products')).toEqual([{ id: 4, price: 1250 }]);
    });
  });

  it('a key written twice fails its record with repeated_field; a list written twice refuses the file', () => {
    const { r, failures } = simulateFile(
      users('{"id": 2, "name": "Bob", "email": "bob@example.com", "name": "Robert"}'),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).totals).toMatchObject({ attempted: 2, succeeded: 1 });
    expect(failures.map((f) => [f.id, f.code, f.message])).toEqual([
      [2, 'repeated_field', 'field "name" appears more than once (line 1, column 123)'],
    ]);
    const twice = simulateFile('{"users": [], "users": []}');
    expect(twice.r.code).toBe(2);
    expect(expectOneLineError(twice.r)).toBe(
      'distdb: error: dataset data.json: key "users" appears more than once (line 1, column 15)',
    );
  });
});

describe('a record too large or too deeply nested fails with its own code; the run goes on', () => {
  it('a 20 MB name of emoji and a value nested 100,000 levels deep', () => {
    const huge = '😀'.repeat(10_000_000);
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const { r, failures } = simulateFile(
      users(
        `{"id": 2, "name": "${huge}", "email": "big@example.com"}`,
        `{"id": 3, "name": "Deep", "email": "deep@example.com", "tags": ${deep}}`,
        '{"id": 4, "name": "Dan", "email": "dan@example.com"}',
      ),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).totals).toMatchObject({ attempted: 4, succeeded: 2 });
    expect(failures.map((f) => [f.id, f.code, f.message])).toEqual([
      [2, 'record_too_large', 'record is larger than 1048576 characters'],
      [3, 'record_too_deep', 'record nests more than 32 levels deep'],
    ]);
  });

  it('through the library too', async () => {
    const cwd = fresh();
    const db = await openDistdb({ urls: sqliteUrls(cwd), env: {}, cwd });
    try {
      await db.migrate();
      let nested: unknown = 1;
      for (let i = 0; i < 100; i++) nested = { nested };
      expect(
        await db.insert(UserModel, { id: 1, name: 'x'.repeat(2_000_000), email: 'a@example.com' }),
      ).toMatchObject({
        ok: false,
        code: 'record_too_large',
      });
      expect(
        // A field the model does not declare is a compile error; at run time it is refused too.
        await db.insert(UserModel, {
          id: 1,
          name: 'Alice',
          email: 'a@example.com',
          nested,
        } as unknown as User),
      ).toMatchObject({
        ok: false,
        code: 'record_too_deep',
      });
      expect(await db.count(UserModel)).toBe(0);
    } finally {
      await db.close();
    }
  });
});

describe('distdb.config.json is read the same way', () => {
  it('a BOM is accepted; a syntax error names its line and column; a key written twice is refused', () => {
    const cwd = fresh();
    const config = join(cwd, 'distdb.config.json');
    writeFileSync(config, `\ufeff${JSON.stringify({ routes: { User: 'users' } })}`);
    expect(runCli(['routes'], { cwd }).code).toBe(0);
    writeFileSync(config, '{\n  "routes": {"User": "users",}\n}');
    expect(expectOneLineError(runCli(['routes'], { cwd }))).toBe(
      `distdb: error: ${config}: not valid JSON: unexpected "}" at line 2, column 30`,
    );
    writeFileSync(config, '{"routes": {"User": "users", "User": "orders"}}');
    expect(expectOneLineError(runCli(['routes'], { cwd }))).toBe(
      `distdb: error: ${config}: "routes.User" appears more than once (line 1, column 30)`,
    );
  });
});
