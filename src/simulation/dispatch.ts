import type { AnyModel } from '../models/model.js';
import type { JournalRun } from '../store/journal.js';
import { CommitTurns } from './commitTurns.js';
import type { Dataset } from './datasets/dataset.js';
import type { BatchResult, ReferencesMessage, WorkerInit } from './messages.js';
import { Feeder } from './pipeline/feeder.js';
import { PhasePlan } from './pipeline/phasePlan.js';
import { Run } from './pipeline/run.js';
import { type StartedWorker, startWorker } from './pipeline/threads.js';
import { WorkerPool } from './pipeline/workerPool.js';
import type { RunPlan } from './plan.js';

export { EARLY_THREADS, type StartedWorker, startWorker, stopUnused } from './pipeline/threads.js';

export interface DispatchInput {
  /** Most worker threads to run; they are started as work needs them. */
  readonly threads: number;
  /** The schema's models, as the workers know them (`WorkerInit.models`). */
  readonly models: readonly AnyModel[];
  readonly dataset: Dataset;
  readonly plan: RunPlan;
  /** Models whose records are written elsewhere (an atomic run's drawing model): no batches. */
  readonly elsewhere?: readonly string[];
  /** Model → batches already committed (resume); they are skipped. */
  readonly done: Readonly<Record<string, number>>;
  readonly run: JournalRun;
  readonly worker: Omit<WorkerInit, 'thread' | 'sync' | 'closeIdle'>;
  /** Write turns shared with the workers (and with any started early). */
  readonly sync: SharedArrayBuffer;
  /** Workers already started (threads 1, 2, ...), taken before new ones are started. */
  readonly started?: StartedWorker[];
  /** At most this many workers hold database connections at once (servers' connection limits). */
  readonly maxConnectedWorkers: number;
  readonly onResult: (result: BatchResult) => void;
  /** Aborted when the run must stop (its history cannot be written): its reason is the run's error. */
  readonly signal?: AbortSignal;
  /**
   * Called when a phase is about to start (every earlier phase committed); what it returns is
   * sent to every worker before the phase's first batch.
   */
  readonly beforePhase?: (models: readonly AnyModel[]) => Promise<ReferencesMessage['snapshots']>;
}

/**
 * Feeds batches to up to `threads` workers, phase by phase. Like a thread pool with a maximum
 * size, a new worker is started only when a batch is waiting and every started worker is busy,
 * so a small dataset does not pay for threads it cannot use. Resolves when every batch is
 * committed; rejects with the first fatal error once every in-flight batch is accounted for
 * (committed batches are always reported, so counts match the databases). Returns the number
 * of workers started.
 *
 * The stages: a PhasePlan cuts each phase's batches, a Feeder chooses which goes next, a
 * WorkerPool chooses (or starts) the worker that takes it, and a Run moves from phase to phase
 * as the workers report.
 */
export async function dispatch(input: DispatchInput): Promise<number> {
  const turns = new CommitTurns(
    input.sync,
    input.models.map((m) => m.name),
  );
  for (const [model, n] of Object.entries(input.done)) turns.start(model, n);
  const pool = new WorkerPool({
    threads: input.threads,
    maxConnectedWorkers: input.maxConnectedWorkers,
    started: input.started ?? [],
    spawn: (thread, closeIdle) => startWorker({ ...input.worker, thread, sync: input.sync, closeIdle }),
    // Workers are started only once the run feeds them, so `run` exists by then.
    onEvent: (event) => run.on(event),
  });
  const run = new Run({
    turns,
    plan: new PhasePlan(
      input.models.filter((m) => !input.elsewhere?.includes(m.name)),
      input.dataset,
      input.plan,
      input.done,
    ),
    feeder: new Feeder(input.run),
    pool,
    onResult: input.onResult,
    beforePhase: input.beforePhase,
    signal: input.signal,
  });
  try {
    await run.run();
  } finally {
    await pool.stop();
  }
  return pool.size;
}
