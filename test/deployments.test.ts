import { type Distdb, openDistdb, type RunReport, simulate } from 'distdb';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANONICAL_OUTCOME, outcomeOf } from './support/canonical.js';
import { ALIASES, serverDatabases, sqliteDeployment, tempDir } from './support/deployments.js';
import { POSTGRES_NODES, SERVERS, serverAvailable } from './support/servers.js';

/**
 * The same datasets must give the same outcome on every backend and every mix, and the rows the
 * report counts must be in the servers themselves.
 */
const [pgServer, mysqlServer] = SERVERS as [(typeof SERVERS)[0], (typeof SERVERS)[1]];
const GENERATED = {
  kind: 'generated',
  name: 'generated',
  spec: { seed: 11, users: 2400, products: 1200, orders: 2400, invalidRatio: 0.15 },
} as const;

interface Mix {
  readonly name: string;
  readonly available: () => boolean;
  /** alias → server (undefined = SQLite file) */
  readonly place: Record<(typeof ALIASES)[number], (typeof SERVERS)[number] | undefined>;
}

const MIXES: Mix[] = [
  {
    name: 'all PostgreSQL',
    available: () => serverAvailable(pgServer),
    place: { default: pgServer, users: pgServer, products: pgServer, orders: pgServer },
  },
  {
    name: 'all MariaDB',
    available: () => serverAvailable(mysqlServer),
    place: { default: mysqlServer, users: mysqlServer, products: mysqlServer, orders: mysqlServer },
  },
  {
    name: 'three PostgreSQL servers',
    available: () => POSTGRES_NODES.every(serverAvailable),
    place: {
      default: POSTGRES_NODES[0],
      users: POSTGRES_NODES[1],
      products: POSTGRES_NODES[2],
      orders: POSTGRES_NODES[0],
    },
  },
  {
    name: 'SQLite + PostgreSQL + MariaDB',
    available: () => serverAvailable(pgServer) && serverAvailable(mysqlServer),
    place: { default: undefined, users: undefined, products: pgServer, orders: mysqlServer },
  },
];

async function countInServer(url: string, table: string): Promise<number> {
  if (url.startsWith('postgres')) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const r = await c.query(`SELECT COUNT(*)::int AS n FROM ${table}`);
    await c.end();
    return r.rows[0].n;
  }
  const c = await mysql.createConnection(url);
  const [rows] = await c.query(`SELECT COUNT(*) AS n FROM ${table}`);
  await c.end();
  return Number((rows as { n: number }[])[0]?.n);
}

let reference: ReturnType<typeof outcomeOf> & { expectations: RunReport['expectations'] };

beforeAll(async () => {
  // The generated dataset's outcome on embedded SQLite is the reference for every other mix.
  const dep = sqliteDeployment();
  const db = await openDistdb({ urls: dep.urls, env: {}, cwd: dep.dir });
  const report = await simulate(db, { threads: 4, dataset: GENERATED, failureCap: 100_000 });
  reference = { ...outcomeOf(report), expectations: report.expectations };
  expect(report.expectations?.mismatches).toBe(0);
  await db.close();
  await dep.cleanup();
});

describe.each(MIXES)('deployment: $name', (mix) => {
  const available = mix.available();
  let db: Distdb;
  let urls: Record<string, string>;
  const drops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    if (!available) return;
    const dir = tempDir();
    urls = {};
    for (const alias of ALIASES) {
      const server = mix.place[alias];
      if (!server) urls[alias] = `sqlite:${dir}/${alias}.db`;
      else {
        const made = await serverDatabases(server, [alias]);
        drops.push(made.drop);
        urls[alias] = made[alias] as string;
      }
    }
    db = await openDistdb({ urls, env: {}, cwd: dir });
  });
  afterAll(async () => {
    await db?.close();
    for (const drop of drops) await drop();
  });

  it.skipIf(!available).each([1, 32])(
    'canonical dataset: 24/30 with the same failures at --threads %i',
    async (threads) => {
      const report = await simulate(db, { threads, existing: 'reset', confirmReset: true });
      expect(outcomeOf(report)).toEqual(CANONICAL_OUTCOME);
    },
  );

  it.skipIf(!available)(
    'generated dataset: same outcome as on SQLite, rows counted in the servers',
    async () => {
      const report = await simulate(db, {
        threads: 8,
        existing: 'reset',
        confirmReset: true,
        dataset: GENERATED,
        failureCap: 100_000,
      });
      expect({ ...outcomeOf(report), expectations: report.expectations }).toEqual(reference);
      for (const [alias, table, model] of [
        ['users', 'users', 'user'],
        ['products', 'products', 'product'],
        ['orders', 'orders', 'order'],
      ] as const) {
        const url = urls[alias] as string;
        const rows = url.startsWith('sqlite:')
          ? Number(
              (
                await (await db.connection(alias)).query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`)
              )[0]?.n,
            )
          : await countInServer(url, table);
        expect([alias, rows]).toEqual([alias, report.models[model]?.succeeded]);
      }
    },
  );
});
