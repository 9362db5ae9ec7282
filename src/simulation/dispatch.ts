import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { DistdbError, type ErrorKind, errorMessage } from '../errors.js';
import type { AnyModel } from '../models/model.js';
import { scrub } from '../secrets.js';
import type { JournalRun } from '../store/journal.js';
import { CommitTurns } from './commitTurns.js';
import type { Dataset } from './datasets/dataset.js';
import type { BatchResult, BatchTask, FromWorker, ReferencesMessage, WorkerInit } from './messages.js';
import { type StartedWorker, startWorker, stopUnused, stopWorker } from './pipeline/threads.js';
import { batchesOf, MIN_BATCH, phases, type RunPlan } from './plan.js';

export { type StartedWorker, startWorker, stopUnused } from './pipeline/threads.js';

/** A worker holds at most this many batches, so memory does not grow with the dataset. */
const MAX_OUTSTANDING = 2;
/**
 * Records of one model dispatched but not yet committed. A model's batches commit one after the
 * other, so more than a few batches ahead only wait for their turn (holding memory, and
 * starting threads that cannot help); small batches may run many at once.
 */
const MAX_IN_FLIGHT_RECORDS = 20_000;
const CORES = availableParallelism();

export interface DispatchInput {
  /** Most worker threads to run; they are started as work needs them. */
  readonly threads: number;
  /** The schema's models, as the workers know them (`WorkerInit.models`). */
  readonly models: readonly AnyModel[];
  readonly dataset: Dataset;
  readonly plan: RunPlan;
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

interface WorkerSlot {
  readonly thread: number;
  readonly worker: Worker;
  /** Batch id → model, for the batches it holds. */
  readonly outstanding: Map<number, string>;
  /** Settles when the thread has exited, whenever that happens (even before anyone waits). */
  readonly exited: Promise<void>;
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
  const turns = new CommitTurns(
    input.sync,
    input.models.map((m) => m.name),
  );
  for (const [model, n] of Object.entries(input.done)) turns.start(model, n);
  const slots: WorkerSlot[] = [];
  const rationed = input.maxConnectedWorkers < input.threads;
  const maxBusy = Math.min(input.threads, input.maxConnectedWorkers);
  try {
    await new Promise<void>((resolve, reject) => {
      let fatal: DistdbError | undefined;
      let nextBatchId = 1;
      const phaseList = phases(input.models);
      let phaseIndex = -1;
      let cursors: Cursor[] = [];
      let references: ReferencesMessage | undefined;
      let startingPhase = false;
      const inFlight = () => slots.reduce((n, s) => n + s.outstanding.size, 0);
      const modelOf = new Map<number, Cursor>();

      const finishIfIdle = () => {
        if (inFlight() > 0) return;
        if (fatal) reject(fatal);
        else if (turns.aborted) reject(new DistdbError('runtime', 'the run was aborted'));
      };
      const fail = (err: DistdbError) => {
        fatal ??= err;
        turns.abort();
        finishIfIdle();
      };
      const stop = () => fail(asDistdbError(input.signal?.reason, 'the run was stopped'));
      if (input.signal?.aborted) stop();
      input.signal?.addEventListener('abort', stop, { once: true });

      const start = (): WorkerSlot => {
        const thread = slots.length + 1;
        const started =
          input.started?.shift() ??
          startWorker({ ...input.worker, thread, sync: input.sync, closeIdle: rationed });
        const slot: WorkerSlot = {
          thread,
          worker: started.worker,
          outstanding: new Map(),
          exited: started.exited,
        };
        slots.push(slot);
        if (references) slot.worker.postMessage(references);
        started.listen(
          (msg) => onMessage(slot, msg),
          (err) => {
            // Its batches either committed (and were reported) or rolled back with the crash.
            slot.outstanding.clear();
            fail(
              new DistdbError('runtime', `worker ${thread} crashed: ${scrub(errorMessage(err))}`, {
                cause: err,
              }),
            );
          },
        );
        return slot;
      };

      // An idle started worker first, then a new one, then a busy one with room. Among busy
      // ones, one that holds no batch of the same model: it prepares this batch while the
      // other commits, so the model's commits follow each other without a gap. Once there is
      // a thread per core, a busy thread with room takes a large batch rather than a new
      // thread being started: more threads than cores only add memory to CPU-bound work.
      const pick = (model: string, records: number): WorkerSlot | undefined => {
        const busy = slots.filter((s) => s.outstanding.size > 0).length;
        const idle = slots.find((s) => s.outstanding.size === 0);
        if (idle && busy < maxBusy) return idle;
        const cost = (s: WorkerSlot) =>
          s.outstanding.size + ([...s.outstanding.values()].includes(model) ? MAX_OUTSTANDING : 0);
        let best: WorkerSlot | undefined;
        for (const s of slots) {
          if (s.outstanding.size === 0 || s.outstanding.size >= MAX_OUTSTANDING) continue;
          if (!best || cost(s) < cost(best)) best = s;
        }
        const canStart = !idle && slots.length < input.threads && busy < maxBusy;
        if (canStart && (!best || slots.length < CORES || records < MIN_BATCH)) return start();
        return best;
      };

      // Round-robin over the phase's models that have room, so users and products go together.
      const fill = () => {
        if (fatal || turns.aborted) return finishIfIdle();
        if (startingPhase) return;
        for (;;) {
          if (cursors.every((c) => c.next === undefined)) {
            if (inFlight() > 0) return; // the next phase waits for this one
            const phase = phaseList[++phaseIndex];
            if (!phase) return resolve();
            startingPhase = true;
            (input.beforePhase?.(phase) ?? Promise.resolve({})).then(
              (snapshots) => {
                startingPhase = false;
                references = { type: 'references', snapshots };
                for (const s of slots) s.worker.postMessage(references);
                cursors = cursorsOf(phase);
                fill();
              },
              (err: unknown) => {
                startingPhase = false;
                fail(asDistdbError(err, 'cannot start the next phase'));
              },
            );
            return;
          }
          const ready = cursors.filter(
            (c) =>
              c.next !== undefined &&
              (c.inFlight === 0 || c.inFlight + batchSize(c.next) <= MAX_IN_FLIGHT_RECORDS),
          );
          const cursor = ready.sort((a, b) => a.inFlight - b.inFlight)[0];
          if (!cursor?.next) return;
          const slot = pick(cursor.next.model, batchSize(cursor.next));
          if (!slot) return;
          const batch: BatchTask = { ...cursor.next, batchId: nextBatchId++, run: input.run };
          cursor.inFlight += batchSize(batch);
          cursor.advance();
          modelOf.set(batch.batchId, cursor);
          slot.outstanding.set(batch.batchId, batch.model);
          slot.worker.postMessage(batch);
        }
      };
      const settle = (batchId: number, records: number) => {
        const cursor = modelOf.get(batchId);
        modelOf.delete(batchId);
        if (cursor) cursor.inFlight -= records;
      };

      const onMessage = (slot: WorkerSlot, msg: FromWorker) => {
        switch (msg.type) {
          case 'ready':
            return;
          case 'done':
            slot.outstanding.delete(msg.batchId);
            settle(msg.batchId, msg.attempted);
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

      fill();
    });
  } finally {
    await Promise.all(slots.map((s) => stopWorker(s)));
    await stopUnused(input.started ?? []);
  }
  return slots.length;

  function cursorsOf(phase: readonly AnyModel[]): Cursor[] {
    return phase.map((m) => new Cursor(batchesOf(m, input.dataset, input.plan, input.done[m.name] ?? 0)));
  }
}

type Task = Omit<BatchTask, 'batchId' | 'run'>;

function asDistdbError(err: unknown, what: string): DistdbError {
  return err instanceof DistdbError
    ? err
    : new DistdbError('runtime', `${what}: ${scrub(errorMessage(err))}`, { cause: err });
}

function batchSize(task: Task): number {
  return task.generate?.count ?? task.records?.length ?? 0;
}

/** A model's batches with one looked ahead, and how many of its records are in flight. */
class Cursor {
  next: Task | undefined;
  inFlight = 0;
  constructor(private readonly batches: Iterator<Task>) {
    this.advance();
  }
  advance(): void {
    const r = this.batches.next();
    this.next = r.done ? undefined : r.value;
  }
}
