import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDistdb } from '../distdb.js';
import { split as splitRecords } from '../examples/shop/generator.js';
import { shopSchema } from '../examples/shop/schema.js';
import { type LibraryRow, libraryRows, libraryTable } from './libraryRows.js';
import type { BenchJob, ChildResult } from './types.js';

/**
 * `npm run bench`: distdb against the raw-driver baseline measured in the same run, per
 * backend, at several sizes and thread counts; the canonical run's whole-process time; peak RSS;
 * then the library API's rows beside their plain-driver equivalents (libraryRows.ts). Prints a
 * table and writes bench-results/bench-<time>.json. Targets are reported, not asserted.
 */
interface BenchArgs {
  readonly quick: boolean;
  readonly repeat: number | undefined;
}

function parseArgs(argv: readonly string[]): BenchArgs {
  let quick = false;
  let repeat: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--quick') quick = true;
    else if (arg === '--repeat' || arg.startsWith('--repeat=')) {
      const value = arg === '--repeat' ? argv[++i] : arg.slice('--repeat='.length);
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > 99)
        throw new Error(`--repeat: expected a whole number from 1 to 99, got ${JSON.stringify(value ?? '')}`);
      repeat = n;
    } else throw new Error(`unknown option ${JSON.stringify(arg)} (expected --quick, --repeat N)`);
  }
  return { quick, repeat };
}

let args: BenchArgs;
try {
  args = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error(`distdb bench: ${(err as Error).message}`);
  process.exit(2);
}
const QUICK = args.quick;
/** Each distdb configuration runs this many times; the median run is reported. */
const REPEAT = args.repeat ?? (QUICK ? 1 : 3);
const SIZES = QUICK ? [100_000] : [100_000, 1_000_000];
const THREADS = QUICK ? [1, 2] : [1, 2, 4, 8];
const CANONICAL_RUNS = QUICK ? 5 : 11;
const PG_ADMIN = process.env.DISTDB_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
const ALIASES = ['default', 'users', 'products', 'orders'] as const;
const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));
const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

interface Deployment {
  readonly backend: 'sqlite' | 'postgres';
  readonly urls: Record<string, string>;
  drop(): Promise<void>;
}

function sqliteDeployment(): Deployment {
  const dir = mkdtempSync(join(tmpdir(), 'distdb-bench-'));
  return {
    backend: 'sqlite',
    urls: Object.fromEntries(ALIASES.map((a) => [a, `sqlite:${join(dir, `${a}.db`)}`])),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgresDeployment(): Promise<Deployment | undefined> {
  const admin = new pg.Client({ connectionString: `${PG_ADMIN}/postgres` });
  try {
    await admin.connect();
  } catch {
    console.log(`postgres: not reachable at ${PG_ADMIN}, skipped`);
    return undefined;
  }
  const stamp = `${process.pid}_${Date.now() % 100000}`;
  const names = Object.fromEntries(ALIASES.map((a) => [a, `distdb_bench_${stamp}_${a}`]));
  for (const n of Object.values(names)) await admin.query(`CREATE DATABASE ${n}`);
  await admin.end();
  return {
    backend: 'postgres',
    urls: Object.fromEntries(ALIASES.map((a) => [a, `${PG_ADMIN}/${names[a]}`])),
    drop: async () => {
      const c = new pg.Client({ connectionString: `${PG_ADMIN}/postgres` });
      await c.connect();
      for (const n of Object.values(names)) await c.query(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`);
      await c.end();
    },
  };
}

function runChild(job: BenchJob): ChildResult {
  const r = spawnSync(process.execPath, [CHILD, JSON.stringify(job)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`bench child failed: ${r.stderr.split('\n').slice(0, 3).join(' ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as ChildResult;
}

/** Empties the model tables so the raw baseline writes into the same, migrated, empty tables. */
async function freshTables(urls: Record<string, string>): Promise<void> {
  const db = await openDistdb({ urls, env: {}, defaultSchema: shopSchema });
  try {
    await db.migrate();
    for (const alias of ['users', 'products', 'orders']) {
      const conn = await db.connection(alias);
      await conn.truncate(alias);
    }
  } finally {
    await db.close();
  }
}

/** The middle item by `value` (the lower middle one of an even count). */
function median<T>(items: readonly T[], value: (item: T) => number): T {
  const sorted = [...items].sort((x, y) => value(x) - value(y));
  return sorted[Math.floor((sorted.length - 1) / 2)] as T;
}

const medianRun = (runs: readonly ChildResult[]) => median(runs, (r) => r.recordsPerSecond);

function canonicalWholeProcess(): { medianMs: number; runsMs: number[] } {
  const dir = mkdtempSync(join(tmpdir(), 'distdb-bench-canonical-'));
  const runsMs: number[] = [];
  try {
    for (let i = 0; i < CANONICAL_RUNS + 1; i++) {
      const start = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [CLI, 'simulate', '--reset', '--json'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, CI: '1' },
      });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (r.status !== 0) throw new Error(`canonical run failed: ${r.stderr}`);
      if (i > 0) runsMs.push(ms); // the first run creates the files and migrates
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { medianMs: median(runsMs, (ms) => ms), runsMs };
}

const fmt = (n: number | undefined, digits = 0) => (n === undefined ? '-' : n.toFixed(digits));

type RawTargets = { users: string; products: string; orders: string };

/** The model tables' databases as the raw baseline opens them (SQLite: file paths). */
function rawTargetsOf(dep: Deployment): RawTargets {
  const urls = { users: dep.urls.users, products: dep.urls.products, orders: dep.urls.orders } as RawTargets;
  if (dep.backend !== 'sqlite') return urls;
  const path = (u: string) => u.slice('sqlite:'.length);
  return { users: path(urls.users), products: path(urls.products), orders: path(urls.orders) };
}

interface SizeRow {
  readonly backend: string;
  readonly records: number;
  readonly threads: number;
  /** distdb's runs at this thread count. */
  readonly all: ChildResult[];
  readonly raw: ChildResult;
  readonly rawRuns: ChildResult[];
  readonly rawPhased: ChildResult;
  readonly rawPhasedRuns: ChildResult[];
}

/** The JSON of a row: distdb's median run, every run when repeated, the baselines, the ratios. */
function resultOf(
  row: SizeRow,
): Record<string, unknown> & { distdb: ChildResult; ratio: number; ratioPhased: number } {
  const { all, ...rest } = row;
  const r = medianRun(all);
  return {
    ...rest,
    distdb: r,
    ...(all.length > 1 ? { distdbRuns: all } : {}),
    ratio: r.recordsPerSecond / row.raw.recordsPerSecond,
    ratioPhased: r.recordsPerSecond / row.rawPhased.recordsPerSecond,
  };
}

function rowLine(row: SizeRow, result: { distdb: ChildResult; ratio: number; ratioPhased: number }): string {
  const { distdb: r, ratio, ratioPhased } = result;
  return `${row.backend.padEnd(9)} ${String(row.records).padStart(8)} ${String(row.threads).padStart(8)} ${fmt(r.recordsPerSecond).padStart(14)} ${fmt(row.raw.recordsPerSecond).padStart(11)} ${ratio.toFixed(2).padStart(6)} ${fmt(row.rawPhased.recordsPerSecond).padStart(13)} ${ratioPhased.toFixed(2).padStart(6)} ${fmt(r.p50Ms, 1).padStart(7)} ${fmt(r.p99Ms, 1).padStart(7)} ${fmt(r.maxRssMb).padStart(12)} ${String(r.mismatches ?? 0).padStart(11)}`;
}

/**
 * One size on one deployment: the raw baselines measured before, between and after the distdb
 * runs, and a row per thread count (logged, and returned for the JSON).
 */
async function measureSize(
  dep: Deployment,
  records: number,
  log: (s: string) => void,
): Promise<Record<string, unknown>[]> {
  const results: Record<string, unknown>[] = [];
  const spec = { seed: 7, invalidRatio: 0.1, counts: splitRecords(records) };
  const targets = rawTargetsOf(dep);
  // The baseline is measured before, between and after the distdb runs, and its median
  // is used: a machine that speeds up or slows down during the bench biases no ratio.
  const rawRuns: ChildResult[] = [];
  const phasedRuns: ChildResult[] = [];
  const measureRaw = async () => {
    for (const [order, list] of [
      ['together', rawRuns],
      ['phased', phasedRuns],
    ] as const) {
      await freshTables(dep.urls);
      list.push(runChild({ kind: 'raw', order, backend: dep.backend, rawTargets: targets, spec }));
    }
  };
  await measureRaw();
  // Repeats go round the thread counts, so a slow spell of the machine hits every count alike.
  const runs = new Map<number, ChildResult[]>(THREADS.map((t) => [t, []]));
  const jobs = Array.from({ length: REPEAT }, () => THREADS).flat();
  for (const [n, threads] of jobs.entries()) {
    if (n === Math.floor(jobs.length / 2)) await measureRaw();
    // From the same empty tables the baseline starts from: emptying the previous run's
    // rows (a TRUNCATE of a million rows takes about a second on PostgreSQL) is not timed
    // for either.
    await freshTables(dep.urls);
    runs.get(threads)?.push(runChild({ kind: 'distdb', urls: dep.urls, threads, spec }));
  }
  await measureRaw();
  const raw = medianRun(rawRuns);
  const phased = medianRun(phasedRuns);
  const baselines = { raw, rawRuns, rawPhased: phased, rawPhasedRuns: phasedRuns };
  for (const [threads, all] of runs) {
    const row = { backend: dep.backend, records, threads, all, ...baselines };
    const result = resultOf(row);
    results.push(result);
    log(rowLine(row, result));
  }
  log(
    `${''.padEnd(9)} raw baseline runs (records/s): ${rawRuns.map((x) => fmt(x.recordsPerSecond)).join(', ')}; phased: ${phasedRuns.map((x) => fmt(x.recordsPerSecond)).join(', ')}; medians used`,
  );
  if (REPEAT > 1) {
    const each = [...runs].map(([t, all]) => `${t}: ${all.map((x) => fmt(x.recordsPerSecond)).join(', ')}`);
    log(`${''.padEnd(9)} distdb runs by threads (records/s): ${each.join('; ')}; medians shown`);
  }
  return results;
}

async function main(): Promise<void> {
  const results: Record<string, unknown>[] = [];
  const library: LibraryRow[] = [];
  const lines: string[] = [];
  const log = (s: string) => {
    console.log(s);
    lines.push(s);
  };
  log(
    `distdb bench${QUICK ? ' (quick)' : ''} · sizes ${SIZES.join(', ')} · threads ${THREADS.join(', ')} · ${REPEAT === 1 ? 'one run' : `median of ${REPEAT} runs`} per row`,
  );
  // First, while the disk is quiet: after a million-row run the system is still writing back
  // dirty pages for a while, and a run that syncs on every commit would pay for that.
  const canonical = canonicalWholeProcess();
  log(
    `canonical run, whole process (sqlite, 10 threads): median ${canonical.medianMs.toFixed(0)} ms over ${canonical.runsMs.length} runs`,
  );
  log(
    'backend   records  threads   distdb rec/s   raw rec/s  ratio  phased rec/s  ratio  p50 ms  p99 ms  peak RSS MB  mismatches',
  );
  for (const make of [async () => sqliteDeployment(), postgresDeployment]) {
    const dep = await make();
    if (!dep) continue;
    try {
      for (const records of SIZES) results.push(...(await measureSize(dep, records, log)));
      const more = { repeat: REPEAT, quick: QUICK, freshTables, runChild };
      library.push(...(await libraryRows({ ...dep, ...more })));
    } finally {
      await dep.drop();
    }
  }
  for (const line of libraryTable(library, REPEAT, QUICK)) log(line);
  const outDir = 'bench-results';
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ quick: QUICK, repeat: REPEAT, results, canonical, library }, null, 2)}\n`,
  );
  log(`wrote ${file}`);
}

await main();
