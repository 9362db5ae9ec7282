import { split as splitRecords } from '../examples/shop/generator.js';
import type { GeneratorSpec } from '../simulation/datasets/generator.js';
import type { BenchJob, ChildResult } from './types.js';

/**
 * One size on one deployment: the baselines measured before, between and after the distdb
 * runs, and a row per thread count. Baselines: the plain-driver limit (`limit`, and on
 * PostgreSQL `copy` beside it), the like-for-like raw baseline (`raw`) and its phased form.
 */
export interface SizeDeployment {
  readonly backend: 'sqlite' | 'postgres';
  readonly urls: Record<string, string>;
  /** The model tables' databases as the plain baselines open them (SQLite: file paths). */
  readonly targets: Record<'users' | 'products' | 'orders', string>;
}

export interface SizeBench {
  readonly threads: readonly number[];
  readonly repeat: number;
  readonly runChild: (job: BenchJob) => ChildResult;
  readonly freshTables: (urls: Record<string, string>) => Promise<void>;
}

type BaselineName = 'limit' | 'copy' | 'raw' | 'rawPhased';

type Baselines = Partial<Record<BaselineName, ChildResult>>;

interface SizeRow {
  readonly backend: string;
  readonly records: number;
  readonly threads: number;
  /** distdb's runs at this thread count. */
  readonly all: ChildResult[];
  readonly baselines: Baselines;
  readonly runs: Partial<Record<BaselineName, ChildResult[]>>;
}

export const SIZE_HEADER =
  'backend   records  threads   distdb rec/s  limit rec/s  ratio  like-for-like rec/s  ratio  phased rec/s  ratio  p50 ms  p99 ms  peak RSS MB  mismatches';

const fmt = (n: number | undefined, digits = 0) => (n === undefined ? '-' : n.toFixed(digits));

/** The middle item by `value` (the lower middle one of an even count). */
export function median<T>(items: readonly T[], value: (item: T) => number): T {
  const sorted = [...items].sort((x, y) => value(x) - value(y));
  return sorted[Math.floor((sorted.length - 1) / 2)] as T;
}

export const medianRun = (runs: readonly ChildResult[]) => median(runs, (r) => r.recordsPerSecond);

function baselineJobs(dep: SizeDeployment, spec: GeneratorSpec): [BaselineName, BenchJob][] {
  const { backend, targets } = dep;
  const jobs: [BaselineName, BenchJob][] = [
    ['limit', { kind: 'limit', method: 'insert', backend, targets, spec }],
    ['raw', { kind: 'raw', order: 'together', backend, rawTargets: targets, spec }],
    ['rawPhased', { kind: 'raw', order: 'phased', backend, rawTargets: targets, spec }],
  ];
  if (backend === 'postgres')
    jobs.splice(1, 0, ['copy', { kind: 'limit', method: 'copy', backend, targets, spec }]);
  return jobs;
}

/** The JSON of a row: distdb's median run, every run when repeated, the baselines, the ratios. */
function resultOf(row: SizeRow): Record<string, unknown> & { distdb: ChildResult } {
  const { all, baselines, runs, ...rest } = row;
  const r = medianRun(all);
  const ratio = (b: ChildResult | undefined) => (b ? r.recordsPerSecond / b.recordsPerSecond : undefined);
  return {
    ...rest,
    distdb: r,
    ...(all.length > 1 ? { distdbRuns: all } : {}),
    raw: baselines.raw,
    rawRuns: runs.raw,
    rawPhased: baselines.rawPhased,
    rawPhasedRuns: runs.rawPhased,
    limit: baselines.limit,
    limitRuns: runs.limit,
    ...(baselines.copy
      ? { copy: baselines.copy, copyRuns: runs.copy, ratioCopy: ratio(baselines.copy) }
      : {}),
    ratio: ratio(baselines.raw),
    ratioPhased: ratio(baselines.rawPhased),
    ratioLimit: ratio(baselines.limit),
  };
}

function rowLine(row: SizeRow, r: ChildResult): string {
  const { limit, raw, rawPhased } = row.baselines;
  const pair = (b: ChildResult | undefined, width: number) =>
    `${fmt(b?.recordsPerSecond).padStart(width)} ${(b ? (r.recordsPerSecond / b.recordsPerSecond).toFixed(2) : '-').padStart(6)}`;
  return `${row.backend.padEnd(9)} ${String(row.records).padStart(8)} ${String(row.threads).padStart(8)} ${fmt(r.recordsPerSecond).padStart(14)} ${pair(limit, 12)} ${pair(raw, 20)} ${pair(rawPhased, 13)} ${fmt(r.p50Ms, 1).padStart(7)} ${fmt(r.p99Ms, 1).padStart(7)} ${fmt(r.maxRssMb).padStart(12)} ${String(r.mismatches ?? 0).padStart(11)}`;
}

function baselineLine(runs: SizeRow['runs'], baselines: Baselines): string {
  const label: Record<BaselineName, string> = {
    limit: 'plain limit',
    copy: 'plain COPY',
    raw: 'like-for-like',
    rawPhased: 'phased',
  };
  const parts = (Object.keys(label) as BaselineName[])
    .filter((k) => runs[k])
    .map((k) => `${label[k]} ${(runs[k] ?? []).map((x) => fmt(x.recordsPerSecond)).join(', ')}`);
  const copy = baselines.copy ? ` (plain COPY median ${fmt(baselines.copy.recordsPerSecond)})` : '';
  return `${''.padEnd(9)} baseline runs (records/s): ${parts.join('; ')}; medians used${copy}`;
}

export async function measureSize(
  dep: SizeDeployment,
  records: number,
  bench: SizeBench,
  log: (s: string) => void,
): Promise<Record<string, unknown>[]> {
  const spec = { seed: 7, invalidRatio: 0.1, counts: splitRecords(records) };
  const jobs = baselineJobs(dep, spec);
  const runs: SizeRow['runs'] = {};
  // The baselines are measured before, between and after the distdb runs, and their medians
  // are used: a machine that speeds up or slows down during the bench biases no ratio.
  const measureBaselines = async () => {
    for (const [name, job] of jobs) {
      await bench.freshTables(dep.urls);
      const result = bench.runChild(job);
      runs[name] = [...(runs[name] ?? []), result];
    }
  };
  await measureBaselines();
  // Repeats go round the thread counts, so a slow spell of the machine hits every count alike.
  const distdb = new Map<number, ChildResult[]>(bench.threads.map((t) => [t, []]));
  const order = Array.from({ length: bench.repeat }, () => bench.threads).flat();
  for (const [n, threads] of order.entries()) {
    if (n === Math.floor(order.length / 2)) await measureBaselines();
    // From the same empty tables the baselines start from: emptying the previous run's rows
    // is not timed for either.
    await bench.freshTables(dep.urls);
    distdb.get(threads)?.push(bench.runChild({ kind: 'distdb', urls: dep.urls, threads, spec }));
  }
  await measureBaselines();
  const baselines: Baselines = Object.fromEntries(
    Object.entries(runs).map(([name, list]) => [name, medianRun(list)]),
  );
  const results: Record<string, unknown>[] = [];
  for (const [threads, all] of distdb) {
    const row: SizeRow = { backend: dep.backend, records, threads, all, baselines, runs };
    const result = resultOf(row);
    results.push(result);
    log(rowLine(row, result.distdb));
  }
  log(baselineLine(runs, baselines));
  if (bench.repeat > 1) {
    const each = [...distdb].map(([t, all]) => `${t}: ${all.map((x) => fmt(x.recordsPerSecond)).join(', ')}`);
    log(`${''.padEnd(9)} distdb runs by threads (records/s): ${each.join('; ')}; medians shown`);
  }
  return results;
}
