import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLineError, runCli } from './support/cli.js';
import { tempDir } from './support/deployments.js';

const cwd = tempDir('distdb-find-');
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('distdb find', () => {
  it('refuses to look into a database that does not exist yet, and creates none', () => {
    const r = runCli(['find', 'User'], { cwd });
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/User has no table in database "users" yet: run distdb migrate/);
    expect(existsSync(join(cwd, 'data', 'users.db'))).toBe(false);
  });

  it('prints the records that landed as a table, with included records from their own databases', () => {
    expect(runCli(['simulate'], { cwd }).code).toBe(0);
    const r = runCli(['find', 'Order', '--limit', '2', '--include', 'user'], { cwd });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id\s+user_id\s+product_id\s+quantity\s+user$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^\s*1\s+1\s+1\s+2\s+\{"id":1,"name":"Alice","email":"alice@example.com"\}$/);
  });

  it('--where, --order and --json: one JSON object per line, in order', () => {
    const r = runCli(
      ['find', 'product', '--where', '{"price": {"gte": "500"}}', '--order', 'price:desc', '--json'],
      {
        cwd,
      },
    );
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.length).toBeGreaterThan(0);
    const prices = rows.map((p) => Number(p.price));
    expect(prices).toEqual([...prices].sort((a, b) => b - a));
    expect(prices.every((p) => p >= 500)).toBe(true);
    expect(typeof rows[0].price).toBe('string');
  });

  it.each([
    [
      ['find', 'User', '--where', '{"emial": "x"}'],
      /where: User has no field "emial" \(fields: id, name, email\)/,
    ],
    [['find', 'User', '--where', '{bad'], /--where: not valid JSON/],
    [['find', 'User', '--order', 'name:sideways'], /--order: expected FIELD or FIELD:desc/],
    [['find', 'User', '--include', 'friend'], /include: User has no relation "friend"/],
    [['find', 'Nope'], /unknown model "Nope"/],
  ])('%j is a one-line usage error', (args, message) => {
    const r = runCli(args, { cwd });
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(message);
  });
});
