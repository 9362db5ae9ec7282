import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Distdb, openDistdb } from '../distdb.js';
import { AccountModel } from '../examples/bank/models.js';
import { drive } from './drive.js';
import { admin, NODES } from './shardedRows.js';

/**
 * The `atomic` row of `npm run bench`: transfers between accounts in two PostgreSQL databases on
 * two servers, 16 callers at once, each moving an amount from an account in one to an account in
 * the other. distdb runs each transfer in one `atomic` (two-phase commit, the decision logged in
 * `default`); the baseline is the plain driver running two ordinary transactions per transfer
 * (lock the row, update it, commit), one in each database, not atomic together. Measured twice:
 * with `default` apart from the two (both prepared), and as one of them (it commits last, in one
 * phase with the decision).
 */

const CALLERS = 16;
const ACCOUNTS_PER_DATABASE = 1_000;
const OPENING = 1_000_000;
const GOAL = 0.5;

export interface AtomicRow {
  readonly callers: number;
  readonly seconds: number;
  readonly atomic: Rate;
  readonly plain: Rate;
  readonly ratio: number;
  /** The same transfers with the accounts in `default` and one other database. */
  readonly atomicWithLog: Rate;
  readonly ratioWithLog: number;
  readonly goal: number;
  /** Whether the money was all there after both runs (the books balance). */
  readonly balanced: boolean;
  readonly stats: { committed: number; rolledBack: number; retried: number };
}

export interface Rate {
  readonly transfersPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

async function transfers(seconds: number, work: (n: number) => Promise<void>): Promise<Rate> {
  const r = await drive(CALLERS, seconds, work);
  return { transfersPerSecond: r.perSecond, p50Ms: r.p50Ms, p99Ms: r.p99Ms };
}

/** Two account ids, one in each of the `two` databases (as the layout places them). */
function pair(db: Distdb, two: readonly [string, string], n: number): [number, number] {
  const ids = (alias: string) => (k: number) => {
    for (
      let id = 1 + ((k * 7919) % (2 * ACCOUNTS_PER_DATABASE));
      ;
      id = (id % (2 * ACCOUNTS_PER_DATABASE)) + 1
    )
      if (db.writeAlias(AccountModel, { record: { id } }) === alias) return id;
  };
  return [ids(two[0])(n), ids(two[1])(n * 31 + 17)];
}

async function atomicTransfer(db: Distdb, two: readonly [string, string], n: number): Promise<void> {
  const [from, to] = pair(db, two, n);
  await db.atomic(
    async (tx) => {
      const a = await tx.get(AccountModel, from);
      const b = await tx.get(AccountModel, to);
      if (!a || !b) throw new Error('account missing');
      const moved = await tx.update(AccountModel, from, { balance: a.balance - 1 });
      const got = await tx.update(AccountModel, to, { balance: b.balance + 1 });
      if (!moved.ok || !got.ok) throw new Error('transfer refused');
    },
    { retries: 10 },
  );
}

/** The same transfer as two ordinary transactions, one per database, with the plain driver. */
async function plainTransfer(pools: [pg.Pool, pg.Pool], ids: [number, number]): Promise<void> {
  for (const [i, delta] of [
    [0, -1],
    [1, 1],
  ] as const) {
    const c = await pools[i].connect();
    try {
      await c.query('BEGIN');
      const r = await c.query('SELECT balance FROM accounts WHERE id = $1 FOR UPDATE', [ids[i]]);
      await c.query('UPDATE accounts SET balance = $1 WHERE id = $2', [
        Number(r.rows[0].balance) + delta,
        ids[i],
      ]);
      await c.query('COMMIT');
    } finally {
      c.release();
    }
  }
}

/** One deployment of the row: its databases (names unique to this run), open, with the accounts in. */
interface Bank {
  readonly db: Distdb;
  readonly urls: Record<string, string>;
  /** The two databases holding the accounts. */
  readonly two: readonly [string, string];
  close(): Promise<void>;
}

async function openBank(
  tag: string,
  servers: Record<string, string>,
  two: readonly [string, string],
): Promise<Bank> {
  const stamp = `${process.pid}_${Date.now() % 100000}_${tag}`;
  const made: { server: string; name: string }[] = [];
  const urls: Record<string, string> = {};
  const migrations = mkdtempSync(join(tmpdir(), 'distdb-bench-atomic-'));
  const drop = async () => {
    for (const { server, name } of made)
      await admin(server, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    rmSync(migrations, { recursive: true, force: true });
  };
  for (const [alias, server] of Object.entries(servers)) {
    const name = `distdb_bench_${stamp}_${alias}`;
    await admin(server, (c) => c.query(`CREATE DATABASE ${name}`));
    made.push({ server, name });
    // A pool per caller: every caller has its transactions open at once.
    urls[alias] = `${server}/${name}?pool=${CALLERS + 1}`;
  }
  const sharding = { Account: { key: 'id', strategy: 'hash', databases: [...two] } };
  const db = await openDistdb({ urls, env: {}, models: [AccountModel], migrations, sharding });
  const close = async () => {
    await db.close();
    await drop();
  };
  try {
    await db.makeMigrations();
    for (const r of await db.migrate())
      if (r.status === 'failed') throw new Error(`migrate ${r.alias}: ${r.error}`);
    const accounts = Array.from({ length: 2 * ACCOUNTS_PER_DATABASE }, (_, i) => ({
      id: i + 1,
      owner: `owner ${i + 1}`,
      balance: OPENING,
    }));
    await db.insertMany(AccountModel, accounts);
    return { db, urls, two, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Whether the bank's money is all there. */
async function balanced(db: Distdb): Promise<boolean> {
  const total = (await db.find(AccountModel, {})).reduce((s, a) => s + a.balance, 0);
  return total === 2 * ACCOUNTS_PER_DATABASE * OPENING;
}

/** The row, or undefined (with a notice) when the two servers are not both reachable. */
export async function atomicRows(ctx: { quick: boolean }): Promise<AtomicRow | undefined> {
  const [first, second] = NODES as [string, string];
  for (const server of [first, second]) {
    if (!(await admin(server, async () => true).catch(() => false))) {
      console.log(`atomic row: PostgreSQL not reachable at ${new URL(server).host}, skipped`);
      return undefined;
    }
  }
  const seconds = ctx.quick ? 5 : 15;
  const apart = await openBank('apart', { default: first, acc_a: first, acc_b: second }, ['acc_a', 'acc_b']);
  const pools: [pg.Pool, pg.Pool] = [
    new pg.Pool({ connectionString: apart.urls.acc_a?.split('?')[0], max: CALLERS }),
    new pg.Pool({ connectionString: apart.urls.acc_b?.split('?')[0], max: CALLERS }),
  ];
  try {
    const plain = await transfers(seconds, (n) => plainTransfer(pools, pair(apart.db, apart.two, n)));
    const atomic = await transfers(seconds, (n) => atomicTransfer(apart.db, apart.two, n));
    const withLog = await openBank('log', { default: first, acc_b: second }, ['default', 'acc_b']);
    let atomicWithLog: Rate;
    let logBalanced: boolean;
    let logStats: AtomicRow['stats'];
    try {
      atomicWithLog = await transfers(seconds, (n) => atomicTransfer(withLog.db, withLog.two, n));
      logBalanced = await balanced(withLog.db);
      logStats = { ...withLog.db.atomicStats };
    } finally {
      await withLog.close();
    }
    // Both layouts' transfers.
    const { atomicStats } = apart.db;
    const committed = atomicStats.committed + logStats.committed;
    const rolledBack = atomicStats.rolledBack + logStats.rolledBack;
    const retried = atomicStats.retried + logStats.retried;
    return {
      callers: CALLERS,
      seconds,
      atomic,
      plain,
      ratio: atomic.transfersPerSecond / plain.transfersPerSecond,
      atomicWithLog,
      ratioWithLog: atomicWithLog.transfersPerSecond / plain.transfersPerSecond,
      goal: GOAL,
      balanced: logBalanced && (await balanced(apart.db)),
      stats: { committed, rolledBack, retried },
    };
  } finally {
    await Promise.all(pools.map((p) => p.end()));
    await apart.close();
  }
}

export function atomicTable(row: AtomicRow): string[] {
  const line = (what: string, r: Rate) =>
    `  ${what.padEnd(44)} ${String(r.transfersPerSecond).padStart(11)} ${r.p50Ms.toFixed(1).padStart(7)} ${r.p99Ms.toFixed(1).padStart(7)}`;
  return [
    `atomic: transfers between two PostgreSQL databases on two servers, ${row.callers} callers, ${row.seconds} s each`,
    `  what                                         transfers/s  p50 ms  p99 ms`,
    line('distdb atomic (two-phase commit)', row.atomic),
    line('distdb atomic, one of the two is default', row.atomicWithLog),
    line('plain driver: two transactions, not atomic', row.plain),
    `  ratio ${row.ratio.toFixed(2)}, with default ${row.ratioWithLog.toFixed(2)} (goal ${row.goal}); books balance: ${row.balanced ? 'yes' : 'NO'}; committed ${row.stats.committed}, rolled back ${row.stats.rolledBack}, retried ${row.stats.retried}`,
  ];
}
