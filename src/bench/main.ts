import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDistdb } from '../distdb.js';
import { shopSchema } from '../examples/shop/schema.js';
import { atomicRows, atomicTable } from './atomicRows.js';
import { type LibraryRow, libraryRows, libraryTable } from './libraryRows.js';
import { readRows, readTable } from './readRows.js';
import { shardedRows, shardedTable } from './shardedRows.js';
import { measureSize, median, SIZE_HEADER, type SizeDeployment } from './sizeRows.js';
import type { BenchJob, ChildResult } from './types.js';

/**
 * `npm run bench`: distdb against the plain-driver limit and the like-for-like raw baseline,
 * measured in the same run, per backend, at several sizes and thread counts; the canonical run's whole-process time; peak RSS;
 * then the library API's rows beside their plain-driver equivalents (libraryRows.ts), and a
 * sharded model beside the same model in one database (shardedRows.ts). Prints a
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

/** The model tables' databases as the plain baselines open them (SQLite: file paths). */
function targetsOf(dep: Deployment): SizeDeployment['targets'] {
  const urls = {
    users: dep.urls.users,
    products: dep.urls.products,
    orders: dep.urls.orders,
  } as SizeDeployment['targets'];
  if (dep.backend !== 'sqlite') return urls;
  const path = (u: string) => u.slice('sqlite:'.length);
  return { users: path(urls.users), products: path(urls.products), orders: path(urls.orders) };
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
  log(SIZE_HEADER);
  for (const make of [async () => sqliteDeployment(), postgresDeployment]) {
    const dep = await make();
    if (!dep) continue;
    try {
      const bench = { threads: THREADS, repeat: REPEAT, runChild, freshTables };
      const sized = { ...dep, targets: targetsOf(dep) };
      for (const records of SIZES) results.push(...(await measureSize(sized, records, bench, log)));
      const more = { repeat: REPEAT, quick: QUICK, freshTables, runChild };
      library.push(...(await libraryRows({ ...dep, ...more })));
    } finally {
      await dep.drop();
    }
  }
  for (const line of libraryTable(library, REPEAT, QUICK)) log(line);
  const sharded = await shardedRows({ repeat: REPEAT, quick: QUICK, runChild });
  if (sharded) for (const line of shardedTable(sharded, REPEAT)) log(line);
  const atomic = await atomicRows({ quick: QUICK });
  if (atomic) for (const line of atomicTable(atomic)) log(line);
  const read = await readRows({ quick: QUICK });
  if (read) for (const line of readTable(read)) log(line);
  const outDir = 'bench-results';
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ quick: QUICK, repeat: REPEAT, results, canonical, library, sharded, atomic, read }, null, 2)}\n`,
  );
  log(`wrote ${file}`);
}

await main();
