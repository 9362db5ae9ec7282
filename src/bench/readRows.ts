import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Distdb, openDistdb } from '../distdb.js';
import { UserModel } from '../examples/shop/models.js';
import { drive, type Rate } from './drive.js';
import { admin } from './shardedRows.js';

/**
 * The `read` row of `npm run bench`: `get` and `find` (ten ids) by 16 concurrent readers of
 * users on a PostgreSQL primary, alone and with its streaming standby as a read replica. The
 * baselines are the plain driver's prepared statements on the primary alone, and spread over
 * primary and standby in turn (no lag or freshness checks at all).
 */

const READERS = 16;
const USERS = 10_000;
const PRIMARY = process.env.DISTDB_BENCH_REPLICA_PRIMARY ?? 'postgres://postgres@127.0.0.1:5436';
const STANDBY = process.env.DISTDB_BENCH_REPLICA ?? 'postgres://postgres@127.0.0.1:5437';
const COLUMNS = Object.keys(UserModel.fields).join(', ');
const TABLE = UserModel.table.name;
const KEY = UserModel.table.primaryKey;

export interface ReadOpRow {
  readonly op: 'get' | 'find';
  readonly distdbPrimary: Rate;
  readonly distdbReplica: Rate;
  readonly plainPrimary: Rate;
  readonly plainReplica: Rate;
  /** Share of distdb's reads (primary plus replica) the replica served. */
  readonly replicaShare: number;
}

export interface ReadRow {
  readonly readers: number;
  readonly seconds: number;
  readonly ops: ReadOpRow[];
}

const idOf = (n: number) => 1 + ((n * 7919) % USERS);
const tenIds = (n: number) => Array.from({ length: 10 }, (_, k) => idOf(n * 10 + k));

function distdbRead(db: Distdb, op: ReadOpRow['op']): (n: number) => Promise<void> {
  return async (n) => {
    if (op === 'get') {
      if (!(await db.get(UserModel, idOf(n)))) throw new Error(`user ${idOf(n)} not found`);
    } else if ((await db.find(UserModel, { where: { [KEY]: { in: tenIds(n) } } })).length !== 10) {
      throw new Error('users not found');
    }
  };
}

function plainRead(pools: readonly pg.Pool[], op: ReadOpRow['op']): (n: number) => Promise<void> {
  const get = `SELECT ${COLUMNS} FROM ${TABLE} WHERE ${KEY} = $1`;
  const find = `SELECT ${COLUMNS} FROM ${TABLE} WHERE ${KEY} = ANY($1)`;
  return async (n) => {
    const pool = pools[n % pools.length] as pg.Pool;
    const r =
      op === 'get'
        ? await pool.query({ name: 'bench_get', text: get, values: [idOf(n)] })
        : await pool.query({ name: 'bench_find', text: find, values: [tenIds(n)] });
    if (r.rows.length !== (op === 'get' ? 1 : 10)) throw new Error('users not found');
  };
}

async function replicaReads(db: Distdb): Promise<{ replica: number; primary: number }> {
  const [c] = await db.replicaReads();
  return { replica: Object.values(c?.replicas ?? {}).reduce((a, b) => a + b, 0), primary: c?.primary ?? 0 };
}

async function caughtUp(db: Distdb): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const [s] = await db.replicaStatus();
    if (s?.serving && s.lagBytes === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the standby did not catch up within 20 s');
}

async function measure(
  op: ReadOpRow['op'],
  seconds: number,
  dbs: { alone: Distdb; replicated: Distdb },
  pools: { primary: pg.Pool; standby: pg.Pool },
): Promise<ReadOpRow> {
  const plainPrimary = await drive(READERS, seconds, plainRead([pools.primary], op));
  const plainReplica = await drive(READERS, seconds, plainRead([pools.primary, pools.standby], op));
  const distdbPrimary = await drive(READERS, seconds, distdbRead(dbs.alone, op));
  const before = await replicaReads(dbs.replicated);
  const distdbReplica = await drive(READERS, seconds, distdbRead(dbs.replicated, op));
  const after = await replicaReads(dbs.replicated);
  const replica = after.replica - before.replica;
  const share = replica / Math.max(1, replica + after.primary - before.primary);
  return { op, distdbPrimary, distdbReplica, plainPrimary, plainReplica, replicaShare: share };
}

/** The row, or undefined (with a notice) when the primary or its standby is not reachable. */
export async function readRows(ctx: { quick: boolean }): Promise<ReadRow | undefined> {
  for (const server of [PRIMARY, STANDBY]) {
    if (!(await admin(server, async () => true).catch(() => false))) {
      console.log(`read row: PostgreSQL not reachable at ${new URL(server).host}, skipped`);
      return undefined;
    }
  }
  const seconds = ctx.quick ? 2 : 5;
  const name = `distdb_bench_read_${process.pid}_${Date.now() % 100000}`;
  await admin(PRIMARY, (c) => c.query(`CREATE DATABASE ${name}`));
  const dir = mkdtempSync(join(tmpdir(), 'distdb-bench-read-'));
  const urls = {
    default: `sqlite:${join(dir, 'default.db')}`,
    [TABLE]: `${PRIMARY}/${name}?pool=${READERS}`,
  };
  const open = (replicas?: Record<string, string[]>) =>
    openDistdb({
      urls,
      env: {},
      models: [UserModel],
      migrations: join(dir, 'migrations'),
      ...(replicas ? { replicas } : {}),
    });
  const alone = await open();
  const replicated = await open({ [TABLE]: [`${STANDBY}/${name}?pool=${READERS}`] });
  const pools = {
    primary: new pg.Pool({ connectionString: `${PRIMARY}/${name}`, max: READERS }),
    standby: new pg.Pool({ connectionString: `${STANDBY}/${name}`, max: READERS }),
  };
  try {
    await alone.makeMigrations();
    for (const r of await alone.migrate())
      if (r.status === 'failed') throw new Error(`migrate ${r.alias}: ${r.error}`);
    const users = Array.from({ length: USERS }, (_, i) => ({
      id: i + 1,
      name: `user ${i + 1}`,
      email: `u${i + 1}@example.com`,
    }));
    await alone.insertMany(UserModel, users);
    await caughtUp(replicated);
    const ops: ReadOpRow[] = [];
    for (const op of ['get', 'find'] as const)
      ops.push(await measure(op, seconds, { alone, replicated }, pools));
    return { readers: READERS, seconds, ops };
  } finally {
    await Promise.all([pools.primary.end(), pools.standby.end(), alone.close(), replicated.close()]);
    await admin(PRIMARY, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    rmSync(dir, { recursive: true, force: true });
  }
}

export function readTable(row: ReadRow): string[] {
  const cell = (r: Rate) =>
    `${String(r.perSecond).padStart(8)} ${r.p50Ms.toFixed(2).padStart(6)} ${r.p99Ms.toFixed(2).padStart(6)}`;
  const lines = [
    `read: get and find (10 ids) of ${USERS} users, ${row.readers} readers, ${row.seconds} s each; PostgreSQL primary, and with its streaming standby`,
    `  op    what                           reads/s p50 ms p99 ms   ratio  replica share`,
  ];
  for (const o of row.ops) {
    const ratio = (a: Rate, b: Rate) => (a.perSecond / b.perSecond).toFixed(2).padStart(7);
    lines.push(
      `  ${o.op.padEnd(5)} distdb, primary alone          ${cell(o.distdbPrimary)} ${ratio(o.distdbPrimary, o.plainPrimary)}`,
      `  ${o.op.padEnd(5)} distdb, primary + replica      ${cell(o.distdbReplica)} ${ratio(o.distdbReplica, o.plainReplica)}  ${(o.replicaShare * 100).toFixed(1)}%`,
      `  ${o.op.padEnd(5)} plain driver, primary alone    ${cell(o.plainPrimary)}`,
      `  ${o.op.padEnd(5)} plain driver, both in turn     ${cell(o.plainReplica)}`,
    );
  }
  return lines;
}
