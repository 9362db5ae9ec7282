import type { FailureCode } from '../models/failureCodes.js';
import type { ReplicaStatus } from '../replicas/replicaSet.js';
import type { AtomicReport } from '../simulation/atomic/atomicRun.js';
import type { HistogramData } from '../simulation/histogram.js';

export interface Counts {
  attempted: number;
  succeeded: number;
  failed: number;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface DatabaseReport extends Counts {
  backend: string;
  /** Redacted URL. */
  url: string;
  models: string[];
  /** Records decided per second of the run's wall time. */
  recordsPerSecond: number;
  latencyMs: LatencySummary;
  retries: number;
}

export interface ThreadReport {
  thread: number;
  records: number;
  succeeded: number;
  failed: number;
  busyMs: number;
}

export interface FailureReport {
  model: string;
  id: string | number | null;
  code: FailureCode;
  message: string;
  thread: number;
}

export type RunStatus = 'running' | 'completed' | 'failed' | 'interrupted';

/**
 * The one value every renderer draws from (terminal, JSON, Markdown, PDF, HTML); it is also what
 * run history stores. Nothing here is computed by a renderer.
 */
export interface RunReport {
  run: number;
  status: RunStatus;
  /** Finished by `--resume` after an interruption; timings cover only the resumed part. */
  resumed?: boolean;
  /** Why a run did not complete. */
  error?: string;
  version: string;
  startedAt: string;
  finishedAt: string;
  dataset: string;
  /** Most worker threads allowed (`--threads`). */
  threads: number;
  /** Worker threads actually started: a pool starts threads only when work is waiting for one. */
  workersStarted: number;
  durationMs: number;
  recordsPerSecond: number;
  totals: Counts & { successRate: number };
  databases: Record<string, DatabaseReport>;
  /** `database`: the model's database; for a sharded model its shards, comma-separated, also listed in `shards`. */
  models: Record<string, Counts & { database: string; shards?: string[] }>;
  threadStats: ThreadReport[];
  failuresByCode: Partial<Record<FailureCode, number>>;
  /** Exact number of failed records; `failures` may hold fewer for large runs. */
  failuresTotal: number;
  failures: FailureReport[];
  latencyHistograms: Record<string, HistogramData>;
  /** Records committed in each interval of the run. */
  timeline: { startMs: number; endMs: number; records: number }[];
  retries: number;
  /** Things worth knowing about how the run went (e.g. connections rationed by a server's limit). */
  notices?: string[];
  /** Generated datasets only: intended outcomes per code (`ok` = success) and where the run disagreed. */
  expectations?: Expectations;
  /** `simulate --atomic`: its transactions across databases and the check of the books. */
  atomic?: AtomicReport;
  /**
   * Deployments with read replicas: each replica as the run left it (health, lag) and the reads
   * it served; `primaryReads` counts those the primary served instead.
   */
  replicas?: { database: string; primaryReads: number; replicas: ReplicaStatus[] }[];
  config: { databases: Record<string, string>; routes: Record<string, string> };
}

/** Success rate in percent, one decimal. */
export function successRate(succeeded: number, attempted: number): number {
  return attempted === 0 ? 0 : Math.round((succeeded / attempted) * 1000) / 10;
}

export interface Expectations {
  expected: Record<string, number>;
  actual: Record<string, number>;
  mismatches: number;
  /** The first few disagreements in dataset order. */
  examples: { model: string; index: number; expected: string; actual: string }[];
}
