import { publicConfig } from '../config/config.js';
import { RUN_MODEL } from '../config/defaults.js';
import type { Distdb } from '../distdb.js';
import { DistdbError, databaseError, errorMessage } from '../errors.js';
import { codeRanks } from '../models/failureCodes.js';
import type { AnyModel } from '../models/model.js';
import type { RunReport } from '../reporting/report.js';
import { RunStore } from '../runs/runStore.js';
import { scrub } from '../secrets.js';
import { pausePoint } from '../util/pausePoint.js';
import { VERSION } from '../version.js';
import { type AtomicReport, atomicPlan, atomicStageOf } from './atomic/atomicRun.js';
import { createTurns } from './commitTurns.js';
import {
  type DispatchInput,
  dispatch,
  EARLY_THREADS,
  type StartedWorker,
  startWorker,
  stopUnused,
} from './dispatch.js';
import { FailureLog } from './failureLog.js';
import type { BatchResult } from './messages.js';
import type { SimulateOptions } from './options.js';
import { progressReporter } from './progress.js';
import { allEmbedded, connectionBudget, referenceSnapshots, workerCache } from './runResources.js';
import { datasetOffsets, journaledResult, type RunStart, resumeRun, startNewRun } from './runStart.js';
import { RunStats } from './runStats.js';

export type { SimulateOptions, SimulateProgress } from './options.js';
export { resetModels } from './runStart.js';

export const MAX_THREADS = 256;
/** Worker threads when none are asked for: the original demo's ten. */
export const DEFAULT_THREADS = 10;

function checkThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new DistdbError('usage', `threads must be an integer from 1 to ${MAX_THREADS}, got ${threads}`);
  }
  return threads;
}

/** Each database's replicas at the end of a run (a replica that does not answer says so). */
async function replicaReport(db: Distdb): Promise<NonNullable<RunReport['replicas']>> {
  const status = await db.replicaStatus();
  const reads = await db.replicaReads();
  return [...new Set(status.map((s) => s.database))].map((database) => ({
    database,
    primaryReads: reads.find((r) => r.database === database)?.primary ?? 0,
    replicas: status.filter((s) => s.database === database),
  }));
}

/**
 * Runs every record of the dataset through `threads` worker threads. Users and products are
 * written in parallel; orders start once every user and product is decided, so an order is never
 * judged before the records it references. Within a model, batches commit in dataset order (see
 * CommitTurns), which makes the outcome independent of the thread count. Every batch is
 * journaled with its rows, so an interrupted run can be finished with `resume`. A sharded
 * model's batch is written to its shards at once, each its part (see shardParts).
 */
export async function simulate(db: Distdb, options: SimulateOptions = {}): Promise<RunReport> {
  if (options.threads !== undefined) checkThreads(options.threads);
  if (options.atomic && options.existing === 'append')
    throw new DistdbError(
      'usage',
      'simulate --atomic checks the books against the dataset alone: it needs empty tables, not --append',
    );
  if (options.atomic && options.resume === undefined) await atomicPlan(db);
  const { models } = db;
  const sync = createTurns(models.map((m) => m.name));
  const unsharded = models.filter((m) => !db.shards(m));
  const modelDatabase = Object.fromEntries(unsharded.map((m) => [m.name, db.writeAlias(m)]));
  const threads = options.threads ?? DEFAULT_THREADS;
  const workerInit = {
    models,
    ...(db.config.generator ? { generator: db.config.generator } : {}),
    databases: Object.fromEntries(Object.entries(db.config.databases).map(([a, u]) => [a, u.raw])),
    writeAlias: modelDatabase,
    readAlias: Object.fromEntries(unsharded.map((m) => [m.label, db.readAlias(m)])),
    sharding: db.sharding,
    maxRetries: options.maxRetries ?? 5,
    ...workerCache(threads),
  };
  // A thread takes a while to boot: for embedded databases (no connection limits to learn
  // first) the first threads start now and boot while tables are checked and the run recorded.
  const early: StartedWorker[] = [];
  if (
    options.resume === undefined &&
    (await allEmbedded(
      db,
      models.flatMap((m) => db.aliasesOf(m)),
    ))
  ) {
    for (let thread = 1; thread <= Math.min(threads, EARLY_THREADS); thread++) {
      early.push(startWorker({ ...workerInit, thread, sync, closeIdle: false }));
    }
  }
  try {
    return await run(db, options, { sync, workerInit, early });
  } finally {
    await stopUnused(early);
  }
}

type WorkerPool = { sync: SharedArrayBuffer; workerInit: DispatchInput['worker']; early: StartedWorker[] };

const RUN = { label: RUN_MODEL } as AnyModel;

/**
 * Starts or takes over a run, dispatches its batches, and records how it ended. Once the run
 * is recorded, whatever stops it (a database going away included) still gives a report, and
 * the error it throws carries that report, so the caller can say how to finish the run. The
 * run's lock is released however it ends, once its end is recorded (or could not be).
 */
async function run(db: Distdb, options: SimulateOptions, pool: WorkerPool): Promise<RunReport> {
  const startedAt = Date.now();
  const historyAlias = db.writeAlias(RUN);
  const store = new RunStore(await db.connection(historyAlias), historyAlias);
  const start =
    options.resume !== undefined
      ? await resumeRun(db, store, { ...options, resume: options.resume })
      : await startNewRun(db, store, options, { threads: options.threads ?? DEFAULT_THREADS, startedAt });
  try {
    return await runStarted(db, { options, store, pool, start, startedAt });
  } finally {
    await start.lock.release();
  }
}

interface Started {
  readonly options: SimulateOptions;
  readonly store: RunStore;
  readonly pool: WorkerPool;
  readonly start: RunStart;
  readonly startedAt: number;
}

async function runStarted(db: Distdb, s: Started): Promise<RunReport> {
  const { options, store, start, startedAt } = s;
  const stats = await newStats(db, start, options);
  const stopped = new AbortController();
  const log = new FailureLog(store, start.run.id, (err) => stopped.abort(err));
  // Without its lock the run could be taken over while it writes: it stops instead.
  const onLost = () => stopped.abort(lostLock(store, start.run.id, start.lock.lost.reason));
  if (start.lock.lost.aborted) onLost();
  start.lock.lost.addEventListener('abort', onLost, { once: true });
  const outcome: Execution['outcome'] = { workersStarted: 0, notices: [] };
  let error: DistdbError | undefined;
  try {
    await execute(db, { ...s, stats, log, outcome, signal: stopped.signal });
  } catch (err) {
    error = runError(err);
  } finally {
    start.lock.lost.removeEventListener('abort', onLost);
  }
  await log.flush();
  if (log.error !== undefined) error ??= runError(log.error);
  const report: RunReport = stats.report({
    run: start.run.id,
    version: VERSION,
    dataset: start.dataset.name,
    threads: start.threads,
    config: publicConfig(db.config),
    startedAt,
    status: error ? 'failed' : 'completed',
    finishedAt: Date.now(),
    ...(error ? { error: error.message } : {}),
    ...(start.journaled.length > 0 ? { resumed: true } : {}),
    notices: outcome.notices,
    workersStarted: outcome.workersStarted,
  });
  if (outcome.atomic) report.atomic = outcome.atomic;
  const replicas = await replicaReport(db);
  if (replicas.length > 0) report.replicas = replicas;
  await pausePoint('finishing');
  try {
    await store.finish(start.run.id, report);
  } catch (err) {
    error ??= runError(err);
  }
  if (error) throw Object.assign(error, { report });
  return report;
}

/** The driver's words for a closed connection vary; they stay in the cause. */
function lostLock(store: RunStore, runId: number, reason: unknown): DistdbError {
  return databaseError(
    [{ alias: store.alias, url: store.conn.url.redacted }],
    new DistdbError(
      'connection',
      `lost the lock of run ${runId} (the connection holding it closed): without it another process could take the run over`,
      { cause: reason },
    ),
  );
}

function runError(err: unknown): DistdbError {
  return err instanceof DistdbError
    ? err
    : new DistdbError('runtime', `simulation failed: ${scrub(errorMessage(err))}`, { cause: err });
}

async function newStats(db: Distdb, start: RunStart, options: SimulateOptions): Promise<RunStats> {
  const databases = [];
  for (const alias of new Set(db.models.flatMap((m) => db.aliasesOf(m)))) {
    const conn = await db.connection(alias);
    databases.push({ alias, backend: conn.dialect.backend, url: conn.url.redacted });
  }
  return new RunStats({
    databases,
    modelDatabase: Object.fromEntries(db.models.map((m) => [m.name, db.aliasesOf(m)])),
    threads: start.threads,
    failureCap: options.failureCap ?? 1000,
    codeRank: codeRanks(db.models),
  });
}

interface Execution extends Started {
  readonly stats: RunStats;
  readonly log: FailureLog;
  /** Filled in as the run goes: what the report says of how it was run. */
  readonly outcome: { workersStarted: number; notices: string[]; atomic?: AtomicReport };
  readonly signal: AbortSignal;
}

/** The recorded run's batches, through the worker pool; results go to the stats and the log. */
async function execute(db: Distdb, x: Execution): Promise<void> {
  const { start, stats, log } = x;
  const seqBase = datasetOffsets(start.dataset, db.models);
  const atomic = atomicStageOf(db, start.plan);
  const record = (result: BatchResult, timed = true) => {
    atomic?.seen(result);
    log.add(stats.add(result, seqBase[result.model] ?? 0, timed));
  };
  if (start.journaled.length > 0 || atomic) {
    // The journals are the truth about the interrupted attempt; failures stored for it are redone
    // (an atomic run's refused records too, whatever the other models' journals hold).
    await x.store.clearFailures(start.run.id);
    for (const b of start.journaled) record(await journaledResult(db, b, start.dataset), false);
  }
  const budget = await connectionBudget(db, start.threads);
  x.outcome.notices.push(...budget.notices);
  await pausePoint('run-recorded');
  const progress = progressReporter(db, {
    onProgress: x.options.onProgress,
    dataset: start.dataset,
    stats,
    startedAt: x.startedAt,
  });
  x.outcome.workersStarted = await dispatch({
    maxConnectedWorkers: budget.maxConnectedWorkers,
    threads: start.threads,
    models: db.models,
    dataset: start.dataset,
    plan: start.plan,
    done: start.done,
    run: start.run,
    sync: x.pool.sync,
    started: x.pool.early,
    worker: { ...x.pool.workerInit, ...workerCache(start.threads) },
    signal: x.signal,
    beforePhase: async (models) => {
      await pausePoint(`phase:${models.map((m) => m.name).join(',')}`);
      return referenceSnapshots(db, models, start.dataset);
    },
    elsewhere: atomic ? [atomic.plan.drawing.name] : [],
    onResult: (result) => {
      record(result);
      progress(result);
    },
  });
  x.outcome.atomic = await atomic?.run({
    dataset: start.dataset,
    runPlan: start.plan,
    run: start.run,
    threads: start.threads,
    retries: x.options.maxRetries ?? 5,
    signal: x.signal,
    onResult: (result, timed) => {
      record(result, timed);
      if (timed) progress(result);
    },
  });
}
