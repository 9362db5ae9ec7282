import { Worker } from 'node:worker_threads';
import { DistdbError, type ErrorKind, errorMessage } from '../errors.js';
import { scrub } from '../secrets.js';
import { CommitTurns, createTurns } from './commitTurns.js';
import type { Dataset } from './datasets/dataset.js';
import type { BatchResult, FromWorker, WorkerInit } from './messages.js';
import { batchesOf, phases, type RunPlan } from './plan.js';

/** A worker holds at most this many batches, so memory does not grow with the dataset. */
const MAX_OUTSTANDING = 2;
const WORKER_HEAP = { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 8 };

export interface DispatchInput {
  readonly threads: number;
  readonly dataset: Dataset;
  readonly plan: RunPlan;
  /** Model → batches already committed (resume); they are skipped. */
  readonly done: Readonly<Record<string, number>>;
  readonly worker: Omit<WorkerInit, 'thread' | 'sync' | 'closeIdle'>;
  /** At most this many workers hold database connections at once (servers' connection limits). */
  readonly maxConnectedWorkers: number;
  readonly onResult: (result: BatchResult) => void;
}

interface WorkerSlot {
  readonly worker: Worker;
  readonly outstanding: Set<number>;
}

/**
 * Starts `threads` workers and feeds them batches phase by phase; resolves when every batch is
 * committed, rejects with the first fatal error after every in-flight batch has been accounted
 * for (committed batches are always reported, so counts match the databases).
 */
export async function dispatch(input: DispatchInput): Promise<void> {
  const sync = createTurns();
  const turns = new CommitTurns(sync);
  for (const [model, n] of Object.entries(input.done)) turns.start(model, n);
  const slots: WorkerSlot[] = [];
  const rationed = input.maxConnectedWorkers < input.threads;
  try {
    await new Promise<void>((resolve, reject) => {
      let ready = 0;
      let fatal: DistdbError | undefined;
      let nextBatchId = 1;
      const phaseList = phases();
      let phaseIndex = 0;
      let tasks = batchesOf(phaseList[0] ?? [], input.dataset, input.plan, input.done);
      const inFlight = () => slots.reduce((n, s) => n + s.outstanding.size, 0);

      const finishIfIdle = () => {
        if (fatal && inFlight() === 0) reject(fatal);
      };
      const fail = (err: DistdbError) => {
        fatal ??= err;
        turns.abort();
        finishIfIdle();
      };

      const fill = () => {
        if (fatal || turns.aborted) return finishIfIdle();
        for (;;) {
          const slot = pickSlot(slots, rationed ? input.maxConnectedWorkers : slots.length);
          if (!slot) return;
          const next = tasks.next();
          if (next.done) {
            if (inFlight() > 0) return; // the next phase waits for this one
            const phase = phaseList[++phaseIndex];
            if (!phase) return resolve();
            tasks = batchesOf(phase, input.dataset, input.plan, input.done);
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
            if (++ready === input.threads) fill();
            return;
          case 'done':
            slot.outstanding.delete(msg.batchId);
            input.onResult(msg);
            return fill();
          case 'abandoned':
            for (const id of msg.batchIds) slot.outstanding.delete(id);
            return finishIfIdle();
          case 'fatal':
            for (const id of msg.batchIds) slot.outstanding.delete(id);
            return fail(new DistdbError(msg.kind as ErrorKind, msg.message));
        }
      };

      const workerUrl = new URL('./worker.js', import.meta.url);
      for (let thread = 1; thread <= input.threads; thread++) {
        const init: WorkerInit = { ...input.worker, thread, sync, closeIdle: rationed };
        const worker = new Worker(workerUrl, { workerData: init, resourceLimits: WORKER_HEAP });
        const slot: WorkerSlot = { worker, outstanding: new Set() };
        slots.push(slot);
        worker.on('message', (msg: FromWorker) => onMessage(slot, msg));
        worker.on('error', (err) => {
          // Its batches either committed (and were reported) or rolled back with the crash.
          slot.outstanding.clear();
          fail(
            new DistdbError('runtime', `worker ${thread} crashed: ${scrub(errorMessage(err))}`, {
              cause: err,
            }),
          );
        });
      }
    });
  } finally {
    await Promise.all(slots.map((s) => stopWorker(s.worker)));
  }
}

/**
 * The least loaded worker with room; when connections are rationed, a worker that is idle (and so
 * holds none) is only woken while fewer than `maxBusy` workers are busy.
 */
function pickSlot(slots: readonly WorkerSlot[], maxBusy: number): WorkerSlot | undefined {
  const busy = slots.filter((s) => s.outstanding.size > 0).length;
  let best: WorkerSlot | undefined;
  for (const s of slots) {
    if (s.outstanding.size >= MAX_OUTSTANDING) continue;
    if (s.outstanding.size === 0 && busy >= maxBusy) continue;
    if (!best || s.outstanding.size < best.outstanding.size) best = s;
  }
  return best;
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
