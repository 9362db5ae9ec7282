import { Worker } from 'node:worker_threads';
import { DistdbError, type ErrorKind, errorMessage } from '../errors.js';
import { scrub } from '../secrets.js';
import { CommitTurns, createTurns } from './commitTurns.js';
import type { Dataset } from './datasets/dataset.js';
import type { BatchResult, BatchTask, FromWorker, WorkerInit } from './messages.js';
import { batchesOf, phases, type RunPlan } from './plan.js';

/** A worker holds at most this many batches, so memory does not grow with the dataset. */
const MAX_OUTSTANDING = 2;
const WORKER_HEAP = { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 32 };

export interface DispatchInput {
  /** Most worker threads to run; they are started as work needs them. */
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
  readonly thread: number;
  readonly worker: Worker;
  readonly outstanding: Set<number>;
}

/**
 * Feeds batches to up to `threads` workers, phase by phase. Like a thread pool with a maximum
 * size, a new worker is started only when a batch is waiting and every started worker is busy,
 * so a small dataset does not pay for threads it cannot use. Resolves when every batch is
 * committed; rejects with the first fatal error once every in-flight batch is accounted for
 * (committed batches are always reported, so counts match the databases). Returns the number
 * of workers started.
 */
export async function dispatch(input: DispatchInput): Promise<number> {
  const sync = createTurns();
  const turns = new CommitTurns(sync);
  for (const [model, n] of Object.entries(input.done)) turns.start(model, n);
  const slots: WorkerSlot[] = [];
  const rationed = input.maxConnectedWorkers < input.threads;
  const maxBusy = Math.min(input.threads, input.maxConnectedWorkers);
  const workerUrl = new URL('./worker.js', import.meta.url);
  try {
    await new Promise<void>((resolve, reject) => {
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

      const start = (): WorkerSlot => {
        const thread = slots.length + 1;
        const init: WorkerInit = { ...input.worker, thread, sync, closeIdle: rationed };
        const worker = new Worker(workerUrl, { workerData: init, resourceLimits: WORKER_HEAP });
        const slot: WorkerSlot = { thread, worker, outstanding: new Set() };
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
        return slot;
      };

      // An idle started worker first, then a new one, then a busy one with room.
      const pick = (): WorkerSlot | undefined => {
        const busy = slots.filter((s) => s.outstanding.size > 0).length;
        const idle = slots.find((s) => s.outstanding.size === 0);
        if (idle && busy < maxBusy) return idle;
        if (!idle && slots.length < input.threads && busy < maxBusy) return start();
        let best: WorkerSlot | undefined;
        for (const s of slots) {
          if (s.outstanding.size === 0 || s.outstanding.size >= MAX_OUTSTANDING) continue;
          if (!best || s.outstanding.size < best.outstanding.size) best = s;
        }
        return best;
      };

      const fill = () => {
        if (fatal || turns.aborted) return finishIfIdle();
        for (;;) {
          const next = tasks.next();
          if (next.done) {
            if (inFlight() > 0) return; // the next phase waits for this one
            const phase = phaseList[++phaseIndex];
            if (!phase) return resolve();
            tasks = batchesOf(phase, input.dataset, input.plan, input.done);
            continue;
          }
          const slot = pick();
          if (!slot) {
            pending = next.value;
            return;
          }
          send(slot, next.value);
        }
      };

      // A batch cut but not yet placed waits here for the next free slot.
      let pending: Omit<BatchTask, 'batchId'> | undefined;
      const send = (slot: WorkerSlot, task: Omit<BatchTask, 'batchId'>) => {
        const batch = { ...task, batchId: nextBatchId++ };
        slot.outstanding.add(batch.batchId);
        slot.worker.postMessage(batch);
      };
      const resume = () => {
        if (pending && !fatal && !turns.aborted) {
          const slot = pick();
          if (!slot) return;
          const task = pending;
          pending = undefined;
          send(slot, task);
        }
        fill();
      };

      const onMessage = (slot: WorkerSlot, msg: FromWorker) => {
        switch (msg.type) {
          case 'ready':
            return;
          case 'done':
            slot.outstanding.delete(msg.batchId);
            input.onResult(msg);
            return resume();
          case 'abandoned':
            for (const id of msg.batchIds) slot.outstanding.delete(id);
            return finishIfIdle();
          case 'fatal':
            for (const id of msg.batchIds) slot.outstanding.delete(id);
            return fail(new DistdbError(msg.kind as ErrorKind, msg.message));
        }
      };

      fill();
    });
  } finally {
    await Promise.all(slots.map((s) => stopWorker(s.worker)));
  }
  return slots.length;
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
