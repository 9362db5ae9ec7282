import pg from 'pg';
import { DEFAULT_ALIAS } from '../config/defaults.js';
import { split } from '../examples/shop/generator.js';
import { SHOP_MODELS } from '../examples/shop/models.js';
import type { AnyModel } from '../models/model.js';
import { SHARD_KEYS_TABLE } from '../schema/distdbTables.js';
import { openShop } from './shardedJob.js';
import { medianRun } from './sizeRows.js';
import type { BenchJob, ChildResult, ShardedJob } from './types.js';

/**
 * The sharded rows of `npm run bench`: a million shop records with one model hash-sharded by id
 * over four PostgreSQL databases on three servers, beside the same work on one database per
 * model, in the same run: insertMany of valid records, and simulate of a generated dataset.
 * Product and Order have no unique field but their id, so their shards decide alone; User's
 * case-insensitive email goes through the global unique index.
 */
export const NODES = (
  process.env.DISTDB_BENCH_POSTGRES_NODES ??
  'postgres://postgres@127.0.0.1:5432,postgres://postgres@127.0.0.1:5433,postgres://postgres@127.0.0.1:5434'
).split(',');
const SHARDS = ['shard_0', 'shard_1', 'shard_2', 'shard_3'];
/** Which server each shard is on: two on the first, one on each of the others. */
const SERVER_OF = [0, 0, 1, 2];
/** Each shop model's database is named after its table, as its default route says. */
const MODEL_ALIASES = [DEFAULT_ALIAS, ...SHOP_MODELS.map((m) => m.table.name)];
const shopModel = (label: string) => SHOP_MODELS.find((m) => m.label === label) as AnyModel;
/** `label` sharded over the four shards by its id. */
const byId = (label: string) => ({
  [label]: { key: shopModel(label).table.primaryKey, strategy: 'hash', databases: SHARDS },
});
/** The databases of a layout with `label` sharded: its own database is not one of them. */
const without = (urls: Record<string, string>, label: string) =>
  Object.fromEntries(Object.entries(urls).filter(([alias]) => alias !== shopModel(label).table.name));
/** Sharded throughput over one database's wanted on this machine, where the servers share two cores. */
const GOAL = 0.9;
const SIMULATE_THREADS = 4;

/** One row: a job run on both layouts, the sharded one with `sharding`. */
interface Case {
  readonly model: string;
  readonly what: string;
  readonly sharding: Record<string, unknown>;
  job(urls: Record<string, string>, records: number, sharding?: Record<string, unknown>): BenchJob;
}

const insertMany =
  (model: ShardedJob['model']) =>
  (urls: Record<string, string>, records: number, sharding?: Record<string, unknown>): BenchJob => ({
    kind: 'sharded',
    model,
    urls,
    records,
    ...(sharding ? { sharding } : {}),
  });

const simulateJob = (
  urls: Record<string, string>,
  records: number,
  sharding?: Record<string, unknown>,
): BenchJob => ({
  kind: 'distdb',
  urls,
  threads: SIMULATE_THREADS,
  spec: { seed: 7, invalidRatio: 0.1, counts: split(records) },
  ...(sharding ? { sharding } : {}),
});

const CASES: Case[] = [
  {
    model: 'Product',
    what: 'insertMany(Product), shards decide',
    sharding: byId('Product'),
    job: insertMany('Product'),
  },
  {
    model: 'User',
    what: 'insertMany(User), email in index',
    sharding: byId('User'),
    job: insertMany('User'),
  },
  {
    model: 'Order',
    what: `simulate, Order sharded, ${SIMULATE_THREADS} threads`,
    sharding: byId('Order'),
    job: simulateJob,
  },
  {
    model: 'User',
    what: `simulate, User sharded, ${SIMULATE_THREADS} threads`,
    sharding: byId('User'),
    job: simulateJob,
  },
];

export interface ShardedRow {
  readonly model: string;
  readonly what: string;
  readonly records: number;
  readonly sharded: ChildResult;
  readonly shardedRuns: ChildResult[];
  readonly single: ChildResult;
  readonly singleRuns: ChildResult[];
  readonly ratio: number;
  readonly goal: number;
}

export interface ShardedContext {
  readonly repeat: number;
  readonly quick: boolean;
  runChild(job: BenchJob): ChildResult;
}

/** `work` on a client of `server`'s `postgres` database, closed afterwards. */
export async function admin<T>(server: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: `${server}/postgres` });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

const reachable = (server: string) => admin(server, async () => true).catch(() => false);

/** The databases of both layouts, created with names unique to this run; `drop` removes them. */
async function createDatabases(): Promise<{
  single: Record<string, string>;
  sharded: Record<string, string>;
  drop(): Promise<void>;
}> {
  const stamp = `${process.pid}_${Date.now() % 100000}`;
  const made: { server: string; name: string }[] = [];
  const create = async (server: string, alias: string) => {
    const name = `distdb_bench_${stamp}_${alias}`;
    await admin(server, (c) => c.query(`CREATE DATABASE ${name}`));
    made.push({ server, name });
    return `${server}/${name}`;
  };
  const first = NODES[0] as string;
  const single: Record<string, string> = {};
  const sharded: Record<string, string> = {};
  for (const a of MODEL_ALIASES) single[a] = await create(first, `one_${a}`);
  for (const a of MODEL_ALIASES) sharded[a] = await create(first, `sh_${a}`);
  for (const [i, alias] of SHARDS.entries())
    sharded[alias] = await create(NODES[SERVER_OF[i] as number] as string, alias);
  const drop = async () => {
    for (const { server, name } of made)
      await admin(server, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  };
  return { single, sharded, drop };
}

/** Migrates, then empties every model table (on each shard) and the global index. */
async function prepare(urls: Record<string, string>, sharding: Record<string, unknown> | undefined) {
  const db = await openShop(urls, sharding);
  try {
    for (const r of await db.migrate())
      if (r.status === 'failed') throw new Error(`migrate ${r.alias}: ${r.error}`);
    for (const m of db.models)
      for (const alias of db.aliasesOf(m)) await (await db.connection(alias)).truncate(m.table.name);
    const index = await db.connection(DEFAULT_ALIAS);
    if (await index.tableExists(SHARD_KEYS_TABLE.name)) await index.truncate(SHARD_KEYS_TABLE.name);
  } finally {
    await db.close();
  }
}

/** Both layouts in turn, `repeat` times each, from empty tables; undefined when a server is not reachable. */
export async function shardedRows(ctx: ShardedContext): Promise<ShardedRow[] | undefined> {
  for (const server of NODES) {
    if (!(await reachable(server))) {
      console.log(`sharded rows: PostgreSQL not reachable at ${new URL(server).host}, skipped`);
      return undefined;
    }
  }
  const records = ctx.quick ? 100_000 : 1_000_000;
  const dbs = await createDatabases();
  try {
    const rows: ShardedRow[] = [];
    for (const c of CASES) {
      const runs = { single: [] as ChildResult[], sharded: [] as ChildResult[] };
      for (let i = 0; i < ctx.repeat; i++) {
        await prepare(dbs.single, undefined);
        runs.single.push(ctx.runChild(c.job(dbs.single, records)));
        const urls = without(dbs.sharded, c.model);
        await prepare(urls, c.sharding);
        runs.sharded.push(ctx.runChild(c.job(urls, records, c.sharding)));
      }
      const sharded = medianRun(runs.sharded);
      const single = medianRun(runs.single);
      rows.push({
        model: c.model,
        what: c.what,
        records,
        sharded,
        shardedRuns: runs.sharded,
        single,
        singleRuns: runs.single,
        ratio: sharded.recordsPerSecond / single.recordsPerSecond,
        goal: GOAL,
      });
    }
    return rows;
  } finally {
    await dbs.drop();
  }
}

/** The sharded table: what was compared, one line per model. */
export function shardedTable(rows: readonly ShardedRow[], repeat: number): string[] {
  const hosts = SERVER_OF.map((s) => new URL(NODES[s] as string).port || '5432').join(', ');
  const runs = repeat === 1 ? 'one run' : `median of ${repeat} runs`;
  const lines = [
    `sharded vs one database, PostgreSQL (${runs} each): hash by id over 4 databases on 3 servers (ports ${hosts}) vs all in one database on the first`,
    '  both sides are distdb doing the same with the same records, each run from empty tables: insertMany of valid',
    `  generated records, or simulate of a generated shop dataset (10% invalid); one model sharded per row`,
    'model     operation                              records  sharded rec/s  one-db rec/s  ratio  goal  mismatches  RSS MB',
  ];
  for (const r of rows) {
    const bad = (r.sharded.mismatches ?? 0) + (r.single.mismatches ?? 0);
    lines.push(
      `${r.model.padEnd(9)} ${r.what.padEnd(36)} ${String(r.records).padStart(9)} ${r.sharded.recordsPerSecond.toFixed(0).padStart(14)} ${r.single.recordsPerSecond.toFixed(0).padStart(13)} ${r.ratio.toFixed(2).padStart(6)} ${r.goal.toFixed(1).padStart(5)} ${String(bad).padStart(11)} ${r.sharded.maxRssMb.toFixed(0).padStart(7)}`,
    );
  }
  return lines;
}
