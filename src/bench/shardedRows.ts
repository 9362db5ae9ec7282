import pg from 'pg';
import { openDistdb } from '../distdb.js';
import { shopSchema } from '../examples/shop/schema.js';
import { SHARD_KEYS_TABLE } from '../schema/distdbTables.js';
import type { ChildResult, ShardedJob } from './types.js';

/**
 * The sharded rows of `npm run bench`: insertMany of a million valid shop records with the
 * model hash-sharded by id over four PostgreSQL databases on three servers, beside the same
 * call into one database, in the same run. Product has no unique field but its id, so its
 * shards decide alone; User's case-insensitive email goes through the global unique index.
 */
const NODES = (
  process.env.DISTDB_BENCH_POSTGRES_NODES ??
  'postgres://postgres@127.0.0.1:5432,postgres://postgres@127.0.0.1:5433,postgres://postgres@127.0.0.1:5434'
).split(',');
const SHARDS = ['shard_0', 'shard_1', 'shard_2', 'shard_3'];
/** Which server each shard is on: two on the first, one on each of the others. */
const SERVER_OF = [0, 0, 1, 2];
const SINGLE = ['default', 'users', 'products', 'orders'];
const SHARDING = Object.fromEntries(
  ['User', 'Product'].map((m) => [m, { key: 'id', strategy: 'hash', databases: SHARDS }]),
);
/** Sharded throughput over one database's wanted on this machine, where the servers share two cores. */
const GOAL = 0.9;
const MODELS: { model: ShardedJob['model']; what: string }[] = [
  { model: 'Product', what: 'insertMany(Product), shards decide' },
  { model: 'User', what: 'insertMany(User), email in index' },
];

export interface ShardedRow {
  readonly model: ShardedJob['model'];
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
  runChild(job: ShardedJob): ChildResult;
}

async function admin<T>(server: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
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
  for (const a of SINGLE) single[a] = await create(first, `one_${a}`);
  const sharded: Record<string, string> = {
    default: await create(first, 'sh_default'),
    orders: await create(first, 'sh_orders'),
  };
  for (const [i, alias] of SHARDS.entries())
    sharded[alias] = await create(NODES[SERVER_OF[i] as number] as string, alias);
  const drop = async () => {
    for (const { server, name } of made)
      await admin(server, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  };
  return { single, sharded, drop };
}

/** Migrates, or empties the two models' tables (on every shard) and the global index. */
async function prepare(
  urls: Record<string, string>,
  sharding: Record<string, unknown> | undefined,
  empty: boolean,
) {
  const db = await openDistdb({
    urls,
    env: {},
    defaultSchema: shopSchema,
    ...(sharding ? { sharding } : {}),
  });
  try {
    if (!empty) {
      for (const r of await db.migrate())
        if (r.status === 'failed') throw new Error(`migrate ${r.alias}: ${r.error}`);
      return;
    }
    for (const label of ['User', 'Product']) {
      const m = db.model(label);
      for (const alias of db.aliasesOf(m)) await (await db.connection(alias)).truncate(m.table.name);
    }
    const index = await db.connection('default');
    if (await index.tableExists(SHARD_KEYS_TABLE.name)) await index.truncate(SHARD_KEYS_TABLE.name);
  } finally {
    await db.close();
  }
}

const medianOf = (runs: readonly ChildResult[]): ChildResult =>
  [...runs].sort((a, b) => a.recordsPerSecond - b.recordsPerSecond)[
    Math.floor((runs.length - 1) / 2)
  ] as ChildResult;

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
    await prepare(dbs.single, undefined, false);
    await prepare(dbs.sharded, SHARDING, false);
    const rows: ShardedRow[] = [];
    for (const { model, what } of MODELS) {
      const runs = { single: [] as ChildResult[], sharded: [] as ChildResult[] };
      for (let i = 0; i < ctx.repeat; i++) {
        await prepare(dbs.single, undefined, true);
        runs.single.push(ctx.runChild({ kind: 'sharded', model, urls: dbs.single, records }));
        await prepare(dbs.sharded, SHARDING, true);
        runs.sharded.push(
          ctx.runChild({ kind: 'sharded', model, urls: dbs.sharded, sharding: SHARDING, records }),
        );
      }
      const sharded = medianOf(runs.sharded);
      const single = medianOf(runs.single);
      rows.push({
        model,
        what,
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
    '  both sides are distdb insertMany of the same valid generated records, each run from empty tables',
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
