import { Worker } from 'node:worker_threads';
import { publicConfig } from '../config/config.js';
import type { Distdb } from '../distdb.js';
import { DistdbError, type ErrorKind, errorMessage } from '../errors.js';
import type { Model } from '../models/model.js';
import { MODELS, modelByLabel } from '../models/models.js';
import type { FailureReport, RunReport } from '../reporting/report.js';
import { RunStore } from '../runs/runStore.js';
import { scrub } from '../secrets.js';
import { VERSION } from '../version.js';
import { CommitTurns, createTurns } from './commitTurns.js';
import { canonicalDataset } from './datasets/canonical.js';
import { type Dataset, datasetSize } from './datasets/dataset.js';
import type { BatchTask, FromWorker, WorkerInit } from './messages.js';
import { RunStats } from './runStats.js';

export const MAX_THREADS = 256;
const MAX_BATCH = 2000;
const MAX_OUTSTANDING = 2;

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

interface WorkerSlot {
  readonly worker: Worker;
  readonly thread: number;
  outstanding: Set<number>;
}

/**
 * Runs every record of the dataset through `threads` worker threads. Users and products are
 * written in parallel; orders start once every user and product is decided, so an order is never
 * judged before the records it references. Within a model, batches commit in dataset order (see
 * CommitTurns), which makes the outcome independent of the thread count.
 */
export async function simulate(db: Distdb, options: SimulateOptions = {}): Promise<RunReport> {
  const threads = checkThreads(options.threads ?? 10);
  const dataset = options.dataset ?? canonicalDataset();
  await prepareTables(db, options);

  const runsAlias = db.writeAlias(modelByLabel('Run') ?? ({ label: 'Run' } as Model));
  const store = new RunStore(await db.connection(runsAlias));
  const startedAt = Date.now();
  const config = publicConfig(db.config);
  const runId = await store.create({
    startedAt: new Date(startedAt).toISOString(),
    dataset: dataset.name,
    threads,
    config,
  });

  const modelDatabase = Object.fromEntries(MODELS.map((m) => [m.name, db.writeAlias(m)]));
  const aliases = [...new Set(Object.values(modelDatabase))];
  const databaseInfo = [];
  for (const alias of aliases) {
    const conn = await db.connection(alias);
    databaseInfo.push({ alias, backend: conn.dialect.backend, url: conn.url.redacted });
  }
  const stats = new RunStats({
    databases: databaseInfo,
    modelDatabase,
    threads,
    failureCap: options.failureCap ?? 1000,
  });
  const base = { run: runId, version: VERSION, dataset: dataset.name, threads, config, startedAt };

  let error: DistdbError | undefined;
  try {
    await runWorkers(db, dataset, threads, options, stats, store, runId, startedAt);
  } catch (err) {
    error =
      err instanceof DistdbError
        ? err
        : new DistdbError('runtime', `simulation failed: ${scrub(errorMessage(err))}`, { cause: err });
  }
  const report = stats.report({
    ...base,
    status: error ? 'failed' : 'completed',
    finishedAt: Date.now(),
    ...(error ? { error: error.message } : {}),
  });
  await store.finish(runId, report);
  if (error) throw Object.assign(error, { report });
  return report;
}

async function runWorkers(
  db: Distdb,
  dataset: Dataset,
  threads: number,
  options: SimulateOptions,
  stats: RunStats,
  store: RunStore,
  runId: number,
  startedAt: number,
): Promise<void> {
  const sync = createTurns();
  const turns = new CommitTurns(sync);
  const databases = Object.fromEntries(Object.entries(db.config.databases).map(([a, u]) => [a, u.raw]));
  const writeAlias = Object.fromEntries(MODELS.map((m) => [m.name, db.writeAlias(m)]));
  const readAlias = Object.fromEntries(MODELS.map((m) => [m.label, db.readAlias(m)]));

  // Dataset order: users, then products, then orders; seqBase places a model's records in it.
  const seqBase = new Map<string, number>();
  let offset = 0;
  for (const m of MODELS) {
    seqBase.set(m.name, offset);
    offset += datasetSize(dataset, m.datasetKey);
  }
  const total = offset;
  const totalsPerDb: Record<string, number> = {};
  for (const m of MODELS)
    totalsPerDb[writeAlias[m.name] as string] =
      (totalsPerDb[writeAlias[m.name] as string] ?? 0) + datasetSize(dataset, m.datasetKey);

  // Phases: models with no references first, all in parallel; then the models referencing them.
  const phases: Model[][] = [
    MODELS.filter((m) => !m.fields.some((f) => f.type.kind === 'reference')),
    MODELS.filter((m) => m.fields.some((f) => f.type.kind === 'reference')),
  ];
  const batchSize = (m: Model) =>
    Math.max(
      1,
      Math.min(options.batchSize ?? MAX_BATCH, Math.ceil(datasetSize(dataset, m.datasetKey) / threads)),
    );

  // Batches are cut lazily, so a generated dataset is never materialised here.
  const inMemory = dataset.kind === 'records' ? dataset.records : undefined;
  const spec = dataset.kind === 'generated' ? dataset.spec : undefined;
  function* tasksOf(phase: Model[]): Generator<BatchTask> {
    const cursors = phase.map((m) => ({ model: m, next: 0, seq: 0, size: batchSize(m), total: datasetSize(dataset, m.datasetKey) }));
    for (;;) {
      let emitted = false;
      for (const c of cursors) {
        if (c.next >= c.total) continue;
        const count = Math.min(c.size, c.total - c.next);
        const task = { type: 'batch', batchId: 0, model: c.model.name, seq: c.seq++, firstIndex: c.next } as const;
        yield spec
          ? { ...task, generate: { spec, count } }
          : { ...task, records: (inMemory?.[c.model.datasetKey] ?? []).slice(c.next, c.next + count) };
        c.next += count;
        emitted = true;
      }
      if (!emitted) return;
    }
  }

  const slots: WorkerSlot[] = [];
  let failureBuffer: (FailureReport & { seq: number })[] = [];
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    const batch = failureBuffer;
    failureBuffer = [];
    flushing = flushing.then(() => store.appendFailures(runId, batch));
    return flushing;
  };

  try {
    await new Promise<void>((resolve, reject) => {
      let ready = 0;
      let fatal: DistdbError | undefined;
      let nextBatchId = 1;
      let phaseIndex = 0;
      let tasks = tasksOf(phases[0] ?? []);
      let lastProgress = 0;
      const inFlight = () => slots.reduce((n, s) => n + s.outstanding.size, 0);

      const finishIfIdle = () => {
        if (inFlight() > 0) return;
        if (fatal) reject(fatal);
      };

      const fill = () => {
        if (fatal || turns.aborted) return finishIfIdle();
        for (;;) {
          const slot = slots.reduce<WorkerSlot | undefined>(
            (best, s) =>
              s.outstanding.size < MAX_OUTSTANDING && (!best || s.outstanding.size < best.outstanding.size)
                ? s
                : best,
            undefined,
          );
          if (!slot) return;
          const next = tasks.next();
          if (next.done) {
            if (inFlight() > 0) return; // the next phase waits for this one
            phaseIndex++;
            const phase = phases[phaseIndex];
            if (!phase) return resolve();
            tasks = tasksOf(phase);
            continue;
          }
          const task = { ...next.value, batchId: nextBatchId++ };
          slot.outstanding.add(task.batchId);
          slot.worker.postMessage(task);
        }
      };

      const onMessage = (slot: WorkerSlot, msg: FromWorker) => {
        switch (msg.type) {
          case 'ready':
            if (++ready === threads) fill();
            return;
          case 'done': {
            slot.outstanding.delete(msg.batchId);
            const failures = stats.add(msg, seqBase.get(msg.model) ?? 0);
            failureBuffer.push(...failures);
            if (failureBuffer.length >= 1000) void flush();
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
            fill();
            return;
          }
          case 'abandoned':
            for (const id of msg.batchIds) slot.outstanding.delete(id);
            return finishIfIdle();
          case 'fatal':
            for (const id of msg.batchIds) slot.outstanding.delete(id);
            fatal ??= new DistdbError(msg.kind as ErrorKind, msg.message);
            turns.abort();
            return finishIfIdle();
        }
      };

      const workerUrl = new URL('./worker.js', import.meta.url);
      for (let thread = 1; thread <= threads; thread++) {
        const init: WorkerInit = {
          thread,
          databases,
          writeAlias,
          readAlias,
          sync,
          maxRetries: options.maxRetries ?? 5,
        };
        const worker = new Worker(workerUrl, { workerData: init });
        const slot: WorkerSlot = { worker, thread, outstanding: new Set() };
        slots.push(slot);
        worker.on('message', (msg: FromWorker) => onMessage(slot, msg));
        worker.on('error', (err) => {
          slot.outstanding.clear();
          fatal ??= new DistdbError('runtime', `worker ${thread} crashed: ${scrub(errorMessage(err))}`, {
            cause: err,
          });
          turns.abort();
          finishIfIdle();
        });
      }
    });
  } finally {
    await flush();
    await Promise.all(slots.map((s) => stopWorker(s.worker)));
  }
}

/** Asks a worker to close its connections and exit; one that does not is terminated. */
function stopWorker(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => void worker.terminate(), 5000);
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    worker.postMessage({ type: 'stop' });
  });
}
