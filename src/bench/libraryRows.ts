import { seededOrders, seededUsers } from './libraryData.js';
import { FIND_CALLS } from './libraryJob.js';
import { PLAIN_BATCH, PLAIN_PG_POOL, seedFind } from './libraryPlain.js';
import type { ChildResult, LibraryJob, LibraryOp } from './types.js';

/**
 * The library API's rows of `npm run bench`: `insertMany`, `find` by an id list with an
 * include, and concurrent single `insert` calls, each beside the plain driver doing the same
 * in the same run, every measurement in a fresh child process. Ratios are reported against
 * the goal, not asserted.
 */

/** distdb's records/s over plain's wanted for these operations (none is set for single inserts). */
const GOALS: Partial<Record<LibraryOp, number>> = { insertMany: 0.7, find: 0.7 };
const CALLERS = 16;

interface Size {
  readonly op: LibraryOp;
  readonly records: number;
  readonly what: string;
}

/** Single inserts in `--quick`: each one commits (and syncs) alone, so 10,000 take about a minute. */
const QUICK_INSERTS = 2_000;
const FIND = 10_000;

function sizes(quick: boolean): Size[] {
  return [
    { op: 'insertMany', records: 100_000, what: 'insertMany(User)' },
    { op: 'find', records: FIND, what: 'find(Order, id in, include user)' },
    { op: 'insert', records: quick ? QUICK_INSERTS : 10_000, what: `insert(User), ${CALLERS} callers` },
  ];
}

export interface LibraryContext {
  readonly backend: 'sqlite' | 'postgres';
  readonly urls: Record<string, string>;
  readonly repeat: number;
  readonly quick: boolean;
  /** Empties the migrated model tables. */
  freshTables(urls: Record<string, string>): Promise<void>;
  runChild(job: LibraryJob): ChildResult;
}

export interface LibraryRow {
  readonly backend: 'sqlite' | 'postgres';
  readonly op: LibraryOp;
  readonly what: string;
  readonly records: number;
  readonly callers?: number;
  readonly distdb: ChildResult;
  readonly distdbRuns: ChildResult[];
  readonly plain: ChildResult;
  readonly plainRuns: ChildResult[];
  readonly ratio: number;
  readonly goal?: number;
}

const medianOf = (runs: readonly ChildResult[]): ChildResult => {
  const sorted = [...runs].sort((a, b) => a.recordsPerSecond - b.recordsPerSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)] as ChildResult;
};

/** Plain and distdb in turn, `repeat` times each; the writes start from empty tables every time. */
async function measure(ctx: LibraryContext, size: Size): Promise<LibraryRow> {
  const runs = { distdb: [] as ChildResult[], plain: [] as ChildResult[] };
  const job = { kind: 'library', op: size.op, backend: ctx.backend, urls: ctx.urls } as const;
  const callers = size.op === 'insert' ? CALLERS : 1;
  if (size.op === 'find') {
    await ctx.freshTables(ctx.urls);
    await seedFind({ backend: ctx.backend, urls: ctx.urls, records: size.records });
  }
  for (let i = 0; i < ctx.repeat; i++) {
    for (const side of ['plain', 'distdb'] as const) {
      if (size.op !== 'find') await ctx.freshTables(ctx.urls);
      runs[side].push(ctx.runChild({ ...job, side, records: size.records, callers }));
    }
  }
  const distdb = medianOf(runs.distdb);
  const plain = medianOf(runs.plain);
  const goal = GOALS[size.op];
  return {
    backend: ctx.backend,
    op: size.op,
    what: size.what,
    records: size.records,
    ...(size.op === 'insert' ? { callers } : {}),
    distdb,
    distdbRuns: runs.distdb,
    plain,
    plainRuns: runs.plain,
    ratio: distdb.recordsPerSecond / plain.recordsPerSecond,
    ...(goal === undefined ? {} : { goal }),
  };
}

/** The library rows of one deployment (its tables migrated); they leave its tables with rows in. */
export async function libraryRows(ctx: LibraryContext): Promise<LibraryRow[]> {
  const rows: LibraryRow[] = [];
  for (const size of sizes(ctx.quick)) rows.push(await measure(ctx, size));
  return rows;
}

const num = (n: number) => n.toFixed(0);

/** The library table: a header, lines saying what plain is, one line per row. */
export function libraryTable(rows: readonly LibraryRow[], repeat: number, quick: boolean): string[] {
  const runs = repeat === 1 ? 'one run' : `median of ${repeat} runs`;
  const smaller = quick ? `; quick: ${QUICK_INSERTS} single inserts instead of 10000` : '';
  const lines = [
    `library API vs the plain driver, same records, same run (${runs} each${smaller})`,
    `  writes: valid generated users; distdb validates and checks unique emails, plain does not; plain is`,
    `    better-sqlite3 prepared statements / pg unnest, ${PLAIN_BATCH} rows per transaction as insertMany;`,
    `    single inserts autocommit from ${CALLERS} callers (SQLite: one connection; pg: a pool of ${PLAIN_PG_POOL}, distdb's default)`,
    `  find: ${FIND} of ${seededOrders(FIND)} orders by id list, then their ${seededUsers(FIND)} users by id list;`,
    `    one warm-up call, then the median of ${FIND_CALLS} calls per process`,
    'backend   operation                              records   distdb rec/s   plain rec/s  ratio  goal  mismatches',
  ];
  for (const r of rows) {
    const goal = r.goal === undefined ? '-' : r.goal.toFixed(1);
    const bad = (r.distdb.mismatches ?? 0) + (r.plain.mismatches ?? 0);
    lines.push(
      `${r.backend.padEnd(9)} ${r.what.padEnd(36)} ${String(r.records).padStart(9)} ${num(r.distdb.recordsPerSecond).padStart(14)} ${num(r.plain.recordsPerSecond).padStart(13)} ${r.ratio.toFixed(2).padStart(6)} ${goal.padStart(5)} ${String(bad).padStart(11)}`,
    );
  }
  return lines;
}
