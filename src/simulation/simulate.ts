import { publicConfig } from '../config/config.js';
import type { Distdb } from '../distdb.js';
import { DistdbError, errorMessage } from '../errors.js';
import { type Model, referenceFields } from '../models/model.js';
import { MODELS, modelByLabel } from '../models/models.js';
import type { FailureReport, RunReport } from '../reporting/report.js';
import { RunStore } from '../runs/runStore.js';
import { scrub } from '../secrets.js';
import { type JournaledBatch, type JournalRun, readRunJournal } from '../store/journal.js';
import { pausePoint } from '../util/pausePoint.js';
import { VERSION } from '../version.js';
import { createTurns } from './commitTurns.js';
import { canonicalDataset } from './datasets/canonical.js';
import { type Dataset, datasetSize } from './datasets/dataset.js';
import { Generator, generatedName } from './datasets/generated.js';
import { loadDatasetFile } from './datasets/loadDatasetFile.js';
import { type DispatchInput, dispatch, type StartedWorker, startWorker, stopUnused } from './dispatch.js';
import { type IdSnapshot, takeIdSnapshot } from './idSnapshot.js';
import type { BatchResult, Mismatch } from './messages.js';
import { type DatasetOrigin, planRun, type RunPlan } from './plan.js';
import { RunStats } from './runStats.js';

export const MAX_THREADS = 256;
/** Worker threads when none are asked for: the original demo's ten. */
export const DEFAULT_THREADS = 10;
/** Failures are stored in transactions of this many: each commit is a sync of `default`. */
const FAILURE_FLUSH = 5000;

export interface SimulateProgress {
  done: number;
  total: number;
  failed: number;
  elapsedMs: number;
  databases: Record<string, { attempted: number; succeeded: number; total: number }>;
}

export interface SimulateOptions {
  threads?: number;
  dataset?: Dataset;
  /** What to do with model tables that already hold rows: refuse (default), keep them, or empty them. */
  existing?: 'refuse' | 'append' | 'reset';
  /** Needed to reset a database that is not embedded. */
  confirmReset?: boolean;
  /** Largest number of records written in one transaction. */
  batchSize?: number;
  /** How many failed records the report lists individually (all are stored and counted). */
  failureCap?: number;
  maxRetries?: number;
  /** Finish an interrupted run: its committed batches are kept, the rest are run. */
  resume?: number;
  onProgress?: (p: SimulateProgress) => void;
}

function checkThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new DistdbError('usage', `--threads must be an integer from 1 to ${MAX_THREADS}, got ${threads}`);
  }
  return threads;
}

/** Empties model tables; a server database needs explicit confirmation. */
export async function resetModels(
  db: Distdb,
  aliases: readonly string[],
  confirm: boolean,
): Promise<Record<string, number>> {
  const removed: Record<string, number> = {};
  const targets = [...MODELS].reverse().filter((m) => aliases.includes(db.writeAlias(m)));
  for (const m of targets) {
    const alias = db.writeAlias(m);
    const conn = await db.connection(alias);
    if (!conn.dialect.capabilities.embedded && !confirm) {
      throw new DistdbError(
        'usage',
        `refusing to empty ${m.table.name} in database "${alias}" (${conn.url.redacted}): it is not an embedded database; pass --yes to confirm`,
      );
    }
  }
  for (const m of targets) {
    const conn = await db.connection(db.writeAlias(m));
    if (await conn.tableExists(m.table.name)) removed[m.table.name] = await conn.truncate(m.table.name);
  }
  return removed;
}

async function prepareTables(db: Distdb, options: SimulateOptions): Promise<void> {
  const results = await db.migrate();
  for (const r of results) {
    if (r.status === 'failed') {
      throw new DistdbError('migration', `migration ${r.failed} failed on database "${r.alias}": ${r.error}`);
    }
  }
  const mode = options.existing ?? 'refuse';
  if (mode === 'reset') {
    await resetModels(db, db.aliases, options.confirmReset ?? false);
    return;
  }
  if (mode === 'append') return;
  for (const m of MODELS) {
    const n = await db.count(m);
    if (n > 0) {
      throw new DistdbError(
        'conflict',
        `table ${m.table.name} in database "${db.writeAlias(m)}" already holds ${n} rows: pass --append to keep them or --reset to empty them first`,
      );
    }
  }
}

/**
 * Runs every record of the dataset through `threads` worker threads. Users and products are
 * written in parallel; orders start once every user and product is decided, so an order is never
 * judged before the records it references. Within a model, batches commit in dataset order (see
 * CommitTurns), which makes the outcome independent of the thread count. Every batch is
 * journaled with its rows, so an interrupted run can be finished with `resume`.
 */
export async function simulate(db: Distdb, options: SimulateOptions = {}): Promise<RunReport> {
  if (options.threads !== undefined) checkThreads(options.threads);
  const sync = createTurns();
  const modelDatabase = Object.fromEntries(MODELS.map((m) => [m.name, db.writeAlias(m)]));
  const threads = options.threads ?? DEFAULT_THREADS;
  const workerInit = {
    databases: Object.fromEntries(Object.entries(db.config.databases).map(([a, u]) => [a, u.raw])),
    writeAlias: modelDatabase,
    readAlias: Object.fromEntries(MODELS.map((m) => [m.label, db.readAlias(m)])),
    maxRetries: options.maxRetries ?? 5,
    ...workerCache(threads),
  };
  // A thread takes a while to boot: for embedded databases (no connection limits to learn
  // first) the first threads start now and boot while tables are checked and the run recorded.
  const early: StartedWorker[] = [];
  if (options.resume === undefined && (await allEmbedded(db, Object.values(modelDatabase)))) {
    for (let thread = 1; thread <= Math.min(threads, 2); thread++) {
      early.push(startWorker({ ...workerInit, thread, sync, closeIdle: false }));
    }
  }
  try {
    return await run(db, options, { sync, workerInit, early });
  } finally {
    await stopUnused(early);
  }
}

async function allEmbedded(db: Distdb, aliases: readonly string[]): Promise<boolean> {
  for (const alias of new Set(aliases)) {
    if (!(await db.connection(alias)).dialect.capabilities.embedded) return false;
  }
  return true;
}

async function run(
  db: Distdb,
  options: SimulateOptions,
  pool: { sync: SharedArrayBuffer; workerInit: DispatchInput['worker']; early: StartedWorker[] },
): Promise<RunReport> {
  let threads = options.threads ?? DEFAULT_THREADS;
  const store = new RunStore(await db.connection(db.writeAlias(RUN_MODEL)));
  let journalRun: JournalRun;
  let dataset: Dataset;
  let plan: RunPlan;
  const done: Record<string, number> = {};
  const journaled: JournaledBatch[] = [];
  const config = publicConfig(db.config);
  const startedAt = Date.now();

  if (options.resume !== undefined) {
    await prepareTables(db, { ...options, existing: 'append' });
    const claimed = await store.claimForResume(options.resume);
    journalRun = claimed.run;
    plan = claimed.plan;
    threads = options.threads ?? claimed.threads;
    dataset = options.dataset ?? datasetFromOrigin(claimed.plan.origin, journalRun.id);
    for (const m of MODELS) {
      const batches = await readRunJournal(await db.connection(db.writeAlias(m)), journalRun, m.name);
      // Batches of a model commit in order, so the journal holds a prefix of them.
      if (batches.some((b, i) => b.seq !== i)) {
        throw new DistdbError(
          'runtime',
          `run ${journalRun.id}: journal of ${m.table.name} is not a prefix of its batches`,
        );
      }
      done[m.name] = batches.length;
      journaled.push(...batches);
    }
  } else {
    dataset = options.dataset ?? canonicalDataset();
    await prepareTables(db, options);
    plan = planRun(dataset, threads, options.batchSize);
    journalRun = await store.create({
      startedAt: new Date(startedAt).toISOString(),
      dataset: dataset.name,
      threads,
      config,
      plan,
    });
  }

  const runId = journalRun.id;
  const modelDatabase = pool.workerInit.writeAlias;
  const databaseInfo = [];
  for (const alias of new Set(Object.values(modelDatabase))) {
    const conn = await db.connection(alias);
    databaseInfo.push({ alias, backend: conn.dialect.backend, url: conn.url.redacted });
  }
  const stats = new RunStats({
    databases: databaseInfo,
    modelDatabase,
    threads,
    failureCap: options.failureCap ?? 1000,
  });
  const seqBase = datasetOffsets(dataset);
  let failureBuffer: (FailureReport & { seq: number })[] = [];
  if (journaled.length > 0) {
    // The journals are the truth about the interrupted attempt; failures stored for it are redone.
    await store.clearFailures(runId);
    for (const b of journaled)
      failureBuffer.push(...stats.add(journaledResult(b, dataset), seqBase[b.model] ?? 0, false));
  }

  const total = Object.values(datasetSizes(dataset)).reduce((a, b) => a + b, 0);
  const totalsPerDb: Record<string, number> = {};
  for (const m of MODELS) {
    const alias = modelDatabase[m.name] as string;
    totalsPerDb[alias] = (totalsPerDb[alias] ?? 0) + datasetSize(dataset, m.datasetKey);
  }
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    const batch = failureBuffer;
    failureBuffer = [];
    flushing = flushing.then(() => store.appendFailures(runId, batch));
    return flushing;
  };
  let lastProgress = 0;

  const budget = await connectionBudget(db, threads);
  await pausePoint('run-recorded');
  let error: DistdbError | undefined;
  let workersStarted = 0;
  try {
    workersStarted = await dispatch({
      maxConnectedWorkers: budget.maxConnectedWorkers,
      threads,
      dataset,
      plan,
      done,
      run: journalRun,
      sync: pool.sync,
      started: pool.early,
      worker: { ...pool.workerInit, ...workerCache(threads) },
      beforePhase: async (models) => {
        await pausePoint(`phase:${models.map((m) => m.name).join(',')}`);
        return referenceSnapshots(db, models, dataset);
      },
      onResult: (result) => {
        failureBuffer.push(...stats.add(result, seqBase[result.model] ?? 0));
        if (failureBuffer.length >= FAILURE_FLUSH) void flush();
        const now = Date.now();
        if (options.onProgress && (now - lastProgress >= 100 || stats.done === total)) {
          lastProgress = now;
          const per = stats.perDatabase();
          options.onProgress({
            done: stats.done,
            total,
            failed: stats.failed,
            elapsedMs: now - startedAt,
            databases: Object.fromEntries(
              Object.entries(per).map(([a, c]) => [a, { ...c, total: totalsPerDb[a] ?? 0 }]),
            ),
          });
        }
      },
    });
  } catch (err) {
    error =
      err instanceof DistdbError
        ? err
        : new DistdbError('runtime', `simulation failed: ${scrub(errorMessage(err))}`, { cause: err });
  }
  await flush().catch(() => undefined);
  const report = stats.report({
    run: runId,
    version: VERSION,
    dataset: dataset.name,
    threads,
    config,
    startedAt,
    status: error ? 'failed' : 'completed',
    finishedAt: Date.now(),
    ...(error ? { error: error.message } : {}),
    ...(journaled.length > 0 ? { resumed: true } : {}),
    notices: budget.notices,
    workersStarted,
  });
  await pausePoint('finishing');
  await store.finish(runId, report);
  if (error) throw Object.assign(error, { report });
  return report;
}

const RUN_MODEL = { label: 'Run' } as Model;

/** Below this many references to a model, asking the database per batch is cheap enough. */
const SNAPSHOT_MIN_REFERENCES = 20_000;

/**
 * Snapshots of the models a phase references, when that is cheaper than per-batch lookups: the
 * referenced records are all decided when the phase starts, so one read of their ids answers
 * every reference the phase checks. A snapshot costs about a tenth of a lookup per id, so it is
 * taken only when the phase has at least an eighth as many references as the highest id.
 */
async function referenceSnapshots(
  db: Distdb,
  models: readonly Model[],
  dataset: Dataset,
): Promise<Record<string, IdSnapshot>> {
  const references = new Map<string, number>();
  for (const m of models) {
    for (const f of referenceFields(m)) {
      references.set(f.type.model, (references.get(f.type.model) ?? 0) + datasetSize(dataset, m.datasetKey));
    }
  }
  const out: Record<string, IdSnapshot> = {};
  for (const [label, count] of references) {
    const target = modelByLabel(label);
    if (!target || count < SNAPSHOT_MIN_REFERENCES) continue;
    const snapshot = await takeIdSnapshot(await db.connection(db.readAlias(target)), target.table, count * 8);
    if (snapshot) out[label] = snapshot;
  }
  return out;
}

/**
 * Page cache of each worker connection to an embedded database. With several threads, a
 * database's batches are written by one connection after another, each commit making the other
 * connections' caches stale: a connection then holds its cache only while it writes, so the
 * memory used is about one cache per database being written, whatever --threads is.
 */
const WORKER_CACHE_KB = 16 * 1024;
function workerCache(threads: number): { cacheKb: number; sharedWriter: boolean } {
  return { cacheKb: WORKER_CACHE_KB, sharedWriter: threads > 1 };
}

/** Share of a server's free connections a run may take; the rest is left to everyone else. */
const CONNECTION_SHARE = 0.8;

/**
 * How many workers may hold connections at once so that no server runs out: each worker holds
 * one connection per database it touches, and databases may share a server.
 */
async function connectionBudget(
  db: Distdb,
  threads: number,
): Promise<{ maxConnectedWorkers: number; notices: string[] }> {
  const aliases = new Set(MODELS.flatMap((m) => [db.writeAlias(m), db.readAlias(m)]));
  const servers = new Map<string, { available: number; aliases: number }>();
  for (const alias of aliases) {
    const headroom = await (await db.connection(alias)).connectionHeadroom();
    if (!headroom) continue;
    const entry = servers.get(headroom.server) ?? { available: headroom.available, aliases: 0 };
    entry.aliases++;
    servers.set(headroom.server, entry);
  }
  let maxConnectedWorkers = threads;
  const notices: string[] = [];
  for (const [server, { available, aliases: n }] of servers) {
    const allowed = Math.floor((available * CONNECTION_SHARE) / n);
    if (allowed < 1) {
      throw new DistdbError(
        'connection',
        `server ${server} has no free connections (${available} available, ${n} needed per worker)`,
      );
    }
    if (allowed < maxConnectedWorkers) {
      maxConnectedWorkers = allowed;
      notices.push(
        `server ${server} accepts ${available} more connections: at most ${allowed} of ${threads} threads hold its ${n} connections at once`,
      );
    }
  }
  return { maxConnectedWorkers, notices };
}

/** A journaled batch as a result; for generated datasets its intended outcomes are recomputed. */
function journaledResult(batch: JournaledBatch, dataset: Dataset): BatchResult {
  const result: BatchResult = {
    type: 'done',
    batchId: 0,
    thread: batch.thread,
    model: batch.model,
    attempted: batch.attempted,
    succeeded: batch.succeeded,
    failures: batch.failures,
    latencyMs: 0,
    busyMs: 0,
    committedAt: 0,
    retries: 0,
  };
  if (dataset.kind !== 'generated') return result;
  const model = MODELS.find((m) => m.name === batch.model);
  const intended = new Generator(dataset.spec).range(
    (model?.datasetKey ?? 'users') as 'users' | 'products' | 'orders',
    batch.firstIndex,
    batch.attempted,
  );
  const actual = new Map(batch.failures.map((f) => [f.index, f.code as string]));
  const expected: Record<string, number> = {};
  const mismatches: Mismatch[] = [];
  let mismatchCount = 0;
  intended.forEach((g, k) => {
    expected[g.expected] = (expected[g.expected] ?? 0) + 1;
    const got = actual.get(batch.firstIndex + k) ?? 'ok';
    if (got !== g.expected && mismatchCount++ < 20)
      mismatches.push({ index: batch.firstIndex + k, expected: g.expected, actual: got });
  });
  return { ...result, expected, mismatches, mismatchCount };
}

function datasetSizes(dataset: Dataset): Record<string, number> {
  return Object.fromEntries(MODELS.map((m) => [m.name, datasetSize(dataset, m.datasetKey)]));
}

/** Dataset order is users, then products, then orders: where each model's first record sits. */
function datasetOffsets(dataset: Dataset): Record<string, number> {
  const out: Record<string, number> = {};
  let offset = 0;
  for (const m of MODELS) {
    out[m.name] = offset;
    offset += datasetSize(dataset, m.datasetKey);
  }
  return out;
}

function datasetFromOrigin(origin: DatasetOrigin, runId: number): Dataset {
  switch (origin.kind) {
    case 'canonical':
      return canonicalDataset();
    case 'generated':
      return { kind: 'generated', name: generatedName(origin.spec), spec: origin.spec };
    case 'file': {
      const dataset = loadDatasetFile(origin.path);
      if (dataset.origin?.kind === 'file' && dataset.origin.sha256 !== origin.sha256) {
        throw new DistdbError(
          'usage',
          `cannot resume run ${runId}: dataset ${origin.path} has changed since the run started`,
        );
      }
      return dataset;
    }
    case 'inline':
      throw new DistdbError(
        'usage',
        `cannot resume run ${runId}: its dataset was given in code; pass it again`,
      );
  }
}
