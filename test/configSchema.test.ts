import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from 'distdb';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/deployments.js';
import { type JsonSchema, jsonSchemaErrors } from './support/jsonSchema.js';

const root = resolve(import.meta.dirname, '..');
const committed = join(root, 'schema/distdb.config.schema.json');
const schema = JSON.parse(readFileSync(committed, 'utf8')) as JsonSchema;
const dir = tempDir('distdb-config-schema-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runScript(args: string[]) {
  return spawnSync(process.execPath, [join(root, 'scripts/config-schema.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
}

/** distdb's verdict on a distdb.config.json holding `content`: undefined when accepted, else the message. */
async function distdbProblem(content: unknown): Promise<string | undefined> {
  const file = join(dir, 'distdb.config.json');
  writeFileSync(file, JSON.stringify(content));
  try {
    await loadConfig({ cwd: dir, env: {} });
    return undefined;
  } catch (err) {
    expect(err).toMatchObject({ name: 'DistdbError', kind: 'config' });
    expect((err as Error).message.startsWith(`${file}: `)).toBe(true);
    return (err as Error).message;
  }
}

describe('schema/distdb.config.schema.json', () => {
  it('is what the valibot schema generates (node scripts/config-schema.mjs --check)', () => {
    const r = runScript(['--check']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the check fails on a file that differs', () => {
    const stale = join(dir, 'stale.json');
    writeFileSync(stale, readFileSync(committed, 'utf8').replace('"additionalProperties": false', '"x": 1'));
    const r = runScript(['--check', stale]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/is not what the config schema generates: run node scripts\/config-schema\.mjs/);
  });

  // Routes to an alias that is not configured or to a model that is not declared, or URLs distdb
  // cannot open, need more than the file to judge, so they are not among these.
  const accepted: unknown[] = [
    {},
    {
      $schema: './node_modules/distdb/schema/distdb.config.schema.json',
      databases: { users: 'sqlite:./data/users.db', shop_2: 'sqlite:./data/shop.db' },
      routes: { User: 'users', Product: 'shop_2', Order: 'shop_2', Run: 'default' },
    },
    { routers: [{ name: 'Abstains', note: 'other keys are kept' }] },
  ];
  const refused: unknown[] = [
    [],
    'distdb',
    null,
    { database: {} },
    { $schema: 1 },
    { databases: { users: 5 } },
    { databases: ['sqlite:./data/users.db'] },
    { databases: { Users: 'sqlite:./data/users.db' } },
    { databases: { '1st': 'sqlite:./data/users.db' } },
    { routes: { User: 1 } },
    { routers: {} },
    { routers: [{}] },
    { routers: [{ name: 1 }] },
    { routers: [{ name: 'Archive', dbForRead: 'archive' }] },
  ];

  it.each(accepted.map((c) => [JSON.stringify(c), c]))('accepts %s, as distdb does', async (_, content) => {
    expect(jsonSchemaErrors(schema, content)).toEqual([]);
    expect(await distdbProblem(content)).toBeUndefined();
  });

  it('a route of a model that is not declared is refused by distdb, naming the models it knows', async () => {
    const content = { routes: { Users: 'users' } };
    expect(await distdbProblem(content)).toMatch(
      /routes: unknown model "Users" \(known: User, Product, Order, Run\)/,
    );
  });

  it.each(refused.map((c) => [JSON.stringify(c), c]))('refuses %s, as distdb does', async (_, content) => {
    expect(jsonSchemaErrors(schema, content)).not.toEqual([]);
    expect(await distdbProblem(content)).toBeDefined();
  });
});
