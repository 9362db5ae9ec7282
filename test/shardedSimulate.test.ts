/**
 * `distdb simulate` on a deployment with sharded models gives exactly the outcome of the same
 * dataset on one database per model, at any thread count; a run killed in the middle of a batch
 * (some shards committed their part, one did not) resumes into the same databases; the report
 * shows each shard as its own database.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Distdb, openDistdb } from 'distdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverDatabases, tempDir } from './support/deployments.js';
import { startPaused } from './support/pause.js';
import { runCliAsync, sleep } from './support/processes.js';
import { POSTGRES_NODES, SERVERS, type ServerBackend, serverAvailable } from './support/servers.js';

const ORDER_SHARDS = ['orders_0', 'orders_1', 'orders_2', 'orders_3'];
/** Users hash-sharded by id over two databases, orders over four; products range-sharded by id over two. */
const SHARDING = {
  // Emails are unique across both shards: the global unique index (in default) keeps them.
  User: { key: 'id', strategy: 'hash', databases: ['users', 'users_b'] },
  Order: { key: 'id', strategy: 'hash', databases: ORDER_SHARDS },
  Product: {
    key: 'id',
    strategy: 'range',
    ranges: [{ below: 1000, database: 'products_a' }, { database: 'products_b' }],
  },
};
const SHARDED_ALIASES = ['default', 'users', 'users_b', 'products_a', 'products_b', ...ORDER_SHARDS];
const PLAIN_ALIASES = ['default', 'users', 'products', 'orders'];
const generated = (records: number) => [
  '--dataset',
  'generated',
  '--records',
  String(records),
  '--seed',
  '11',
  '--invalid-ratio',
  '0.1',
];
/** The kill trials' dataset: several batches of each model. */
const GENERATED = generated(20_000);

interface Backend {
  readonly name: string;
  readonly available: boolean;
  databases(
    dir: string,
  ): Promise<{ sharded: Record<string, string>; plain: Record<string, string>; drop(): Promise<void> }>;
}

const files = (dir: string, aliases: string[]) =>
  Object.fromEntries(aliases.map((a) => [a, `sqlite:${dir}/${a}.db`]));
const mysql = SERVERS.find((s) => s.backend === 'mysql') as ServerBackend;

const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    available: true,
    databases: async (dir) => ({
      sharded: files(`${dir}/sharded`, SHARDED_ALIASES),
      plain: files(`${dir}/plain`, PLAIN_ALIASES),
      drop: async () => {},
    }),
  },
  {
    name: 'three PostgreSQL servers and MariaDB',
    available: POSTGRES_NODES.every(serverAvailable) && serverAvailable(mysql),
    databases: async () => {
      const [n0, n1, n2] = POSTGRES_NODES as [ServerBackend, ServerBackend, ServerBackend];
      const parts = [
        await serverDatabases(n0, ['default', 'users', 'products_a', 'orders_0']),
        await serverDatabases(n1, ['orders_1', 'users_b']),
        await serverDatabases(n2, ['orders_2']),
        await serverDatabases(mysql, ['orders_3', 'products_b']),
      ];
      const plain = await serverDatabases(n0, PLAIN_ALIASES);
      const { drop: _, ...plainUrls } = plain;
      return {
        sharded: Object.assign({}, ...parts.map(({ drop: _d, ...u }) => u)),
        plain: plainUrls,
        drop: async () => {
          for (const p of [...parts, plain]) await p.drop();
        },
      };
    },
  },
];

/**
 * A shop dataset with every kind of refusal: emails repeated in another case (the first in file
 * order wins), repeated ids, bad names and prices, orders of unknown users and products.
 */
function datasetOf(users: number, products: number, orders: number) {
  return {
    users: Array.from({ length: users }, (_, i) => ({
      id: i % 997 === 5 ? i : i + 1,
      name: i % 211 === 0 ? ' ' : `User ${i}`,
      email: i % 101 === 7 ? `U${i - 7}@EXAMPLE.com` : `u${i}@example.com`,
    })),
    products: Array.from({ length: products }, (_, i) => ({
      id: i + 1,
      name: `Product ${i}`,
      price: i % 307 === 3 ? '-1.00' : `${(i % 900) + 1}.${String(i % 100).padStart(2, '0')}`,
    })),
    orders: Array.from({ length: orders }, (_, i) => ({
      id: i % 1009 === 9 ? i : i + 1,
      user_id: i % 503 === 1 ? users + 5 : (i % users) + 1,
      product_id: i % 401 === 2 ? products + 5 : (i % products) + 1,
      quantity: (i % 7) + 1,
    })),
  };
}

interface Report {
  models: Record<
    string,
    { attempted: number; succeeded: number; failed: number; database: string; shards?: string[] }
  >;
  databases: Record<string, { attempted: number; succeeded: number; backend: string }>;
  failuresByCode: Record<string, number>;
  failures: { model: string; id: unknown; code: string; message: string }[];
  expectations?: { mismatches: number };
  resumed?: boolean;
}

/** What must match between two runs: every count, code and listed failure (threads aside). */
function outcome(r: Report) {
  return {
    models: Object.fromEntries(
      Object.entries(r.models).map(([m, c]) => [m, [c.attempted, c.succeeded, c.failed]]),
    ),
    byCode: r.failuresByCode,
    failures: r.failures.map((f) => [f.model, f.id, f.code, f.message]),
  };
}

for (const backend of BACKENDS) {
  describe.skipIf(!backend.available)(`simulate with sharded models on ${backend.name}`, () => {
    let dir = '';
    let dirs = { sharded: '', plain: '' };
    let drop = async () => {};
    const opened: Distdb[] = [];

    const simulate = async (which: 'sharded' | 'plain', args: string[]) => {
      const r = await runCliAsync(['simulate', '--json', '--no-progress', ...args], {
        cwd: dirs[which],
        timeoutMs: 300_000,
      });
      if (r.code !== 0) throw new Error(`simulate ${which} exited ${r.code}: ${r.stderr}`);
      return JSON.parse(r.stdout) as Report;
    };
    /** Every stored record of each model, in id order, read through distdb (so backends compare). */
    const stored = async (which: 'sharded' | 'plain') => {
      const db = await openDistdb({ cwd: dirs[which], env: {} });
      opened.push(db);
      const out: Record<string, unknown[]> = {};
      for (const m of db.models)
        out[m.name] = await db.find(m, { orderBy: [{ id: 'asc' }], limit: 1_000_000 });
      return out;
    };

    beforeAll(async () => {
      dir = tempDir('distdb-sharded-sim-');
      const dbs = await backend.databases(dir);
      drop = dbs.drop;
      dirs = { sharded: `${dir}/sharded`, plain: `${dir}/plain` };
      for (const [which, databases] of [
        ['sharded', dbs.sharded],
        ['plain', dbs.plain],
      ] as const) {
        const config = which === 'sharded' ? { databases, sharding: SHARDING } : { databases };
        mkdirSync(dirs[which], { recursive: true });
        writeFileSync(`${dirs[which]}/distdb.config.json`, JSON.stringify(config));
      }
    });
    afterAll(async () => {
      for (const db of opened) await db.close();
      await drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('the canonical dataset gives the outcome of one database, shard by shard in the report', async () => {
      const plain = await simulate('plain', ['--reset', '--yes', '--threads', '2']);
      const sharded = await simulate('sharded', ['--reset', '--yes', '--threads', '4']);
      expect(outcome(sharded)).toEqual(outcome(plain));
      expect(sharded.models.order?.shards).toEqual(ORDER_SHARDS);
      const perShard = ORDER_SHARDS.map((a) => sharded.databases[a]?.attempted ?? 0);
      expect(perShard.reduce((a, b) => a + b, 0)).toBe(plain.models.order?.attempted);
      expect(Object.keys(sharded.databases)).toEqual(expect.arrayContaining(SHARDED_ALIASES.slice(1)));
      expect(await stored('sharded')).toEqual(await stored('plain'));
    });

    it('200,000 generated records give the outcome of one database at 1 and 4 threads', async () => {
      const big = generated(200_000);
      const plain = await simulate('plain', ['--reset', '--yes', '--threads', '2', ...big]);
      expect(plain.expectations?.mismatches).toBe(0);
      const rows = await stored('plain');
      for (const threads of ['1', '4']) {
        const sharded = await simulate('sharded', ['--reset', '--yes', '--threads', threads, ...big]);
        expect(outcome(sharded)).toEqual(outcome(plain));
        expect(sharded.expectations?.mismatches).toBe(0);
        // Every shard holds a share of the orders.
        for (const a of ORDER_SHARDS) expect(sharded.databases[a]?.succeeded ?? 0).toBeGreaterThan(10_000);
        expect(await stored('sharded')).toEqual(rows);
      }
    });

    it('a 200,000-record dataset file gives the outcome of one database', async () => {
      const file = `${dir}/dataset.json`;
      writeFileSync(file, JSON.stringify(datasetOf(60_000, 40_000, 100_000)));
      const plain = await simulate('plain', ['--reset', '--yes', '--threads', '2', '--dataset', file]);
      const sharded = await simulate('sharded', ['--reset', '--yes', '--threads', '4', '--dataset', file]);
      expect(outcome(sharded)).toEqual(outcome(plain));
      const codes = Object.keys(plain.failuresByCode);
      for (const code of [
        'duplicate_email',
        'duplicate_id',
        'invalid_name',
        'invalid_price',
        'unknown_user',
        'unknown_product',
      ])
        expect(codes).toContain(code);
      expect(await stored('sharded')).toEqual(await stored('plain'));
    });

    it.each([
      // A thread writes one SQLite database at a time: the shard after the stopped one waits.
      {
        model: 'order',
        shards: ORDER_SHARDS,
        stopped: 'orders_2',
        left: backend.name === 'sqlite' ? [1, 1, 0, 0] : [1, 1, 0, 1],
      },
      // Users claim their emails in the index before their parts are written.
      { model: 'user', shards: ['users', 'users_b'], stopped: 'users_b', left: [1, 0] },
    ])(
      'killed inside a $model batch that some shards have committed, the run resumes into the same databases',
      async ({ model, shards, stopped, left }) => {
        const plain = await simulate('plain', ['--reset', '--yes', '--threads', '2', ...GENERATED]);
        // Stopped inside the transaction of one shard's part of batch 1 while the other shards
        // commit theirs, then killed.
        const run = startPaused(
          ['simulate', '--reset', '--yes', '--no-progress', '--threads', '2', ...GENERATED],
          {
            cwd: dirs.sharded,
            at: `batch-written:${model}:1@${stopped}`,
          },
        );
        await run.paused();
        const runs = await runCliAsync(['runs', '--json'], { cwd: dirs.sharded });
        const killed = (JSON.parse(runs.stdout) as { id: number; status: string }[]).find(
          (r) => r.status !== 'completed',
        );
        expect(killed).toBeDefined();
        const db = await openDistdb({ cwd: dirs.sharded, env: {} });
        opened.push(db);
        // Batch 1's journal entries, shard by shard: committed parts have one.
        const journaled = () =>
          Promise.all(
            shards.map(async (a) => {
              const rows = await (await db.connection(a)).query(
                'SELECT seq FROM distdb_batches WHERE run_id = ? AND model = ? AND seq = ?',
                [killed?.id ?? 0, model, 1],
              );
              return rows.length;
            }),
          );
        // The other shards commit their parts while one waits in its transaction.
        for (const t = Date.now(); Date.now() - t < 20_000; await sleep(20))
          if ((await journaled()).every((n, i) => n === (left[i] as number))) break;
        run.running.child.kill('SIGKILL');
        await run.running.done;
        run.resume();
        const before = await db.count(db.model(model));
        expect(before).toBeGreaterThan(0);
        expect(before).toBeLessThan(plain.models[model]?.succeeded ?? 0);
        expect(await journaled()).toEqual(left);
        // Resumed under another sharding, the batches would be cut otherwise: refused.
        const config = `${dirs.sharded}/distdb.config.json`;
        const kept = readFileSync(config, 'utf8');
        const moved = JSON.parse(kept) as { sharding: Record<string, { databases?: string[] }> };
        moved.sharding.Order?.databases?.reverse();
        writeFileSync(config, JSON.stringify(moved));
        const refused = await runCliAsync(['simulate', '--resume', String(killed?.id), '--no-progress'], {
          cwd: dirs.sharded,
        });
        expect(refused.code).toBe(2);
        expect(refused.stderr).toContain(`cannot resume run ${killed?.id}: the sharding of Order differs`);
        writeFileSync(config, kept);
        const resumed = await simulate('sharded', ['--resume', String(killed?.id)]);
        expect(resumed.resumed).toBe(true);
        expect(outcome(resumed)).toEqual(outcome(plain));
        expect(await stored('sharded')).toEqual(await stored('plain'));
        // The index holds each stored user's id and email, and nothing else.
        const claims = await (await db.connection('default')).query(
          'SELECT COUNT(*) AS n FROM distdb_shard_keys WHERE model = ?',
          ['User'],
        );
        expect(Number(claims[0]?.n)).toBe(2 * (await db.count(db.model('user'))));
      },
    );
  });
}
