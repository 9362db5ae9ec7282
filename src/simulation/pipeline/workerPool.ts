import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { BatchTask, FromWorker, ReferencesMessage } from '../messages.js';
import { MIN_BATCH } from '../plan.js';
import { type StartedWorker, stopUnused, stopWorker } from './threads.js';

/** A worker holds at most this many batches, so memory does not grow with the dataset. */
const MAX_OUTSTANDING = 2;
const CORES = availableParallelism();

export interface WorkerSlot {
  readonly thread: number;
  readonly worker: Worker;
  /** Batch id → model, for the batches it holds. */
  readonly outstanding: Map<number, string>;
  /** Settles when the thread has exited, whenever that happens (even before anyone waits). */
  readonly exited: Promise<void>;
}

/** A worker's thread failed (it is gone); it held no batch any more. */
export interface WorkerCrashed {
  readonly type: 'crashed';
  readonly thread: number;
  readonly error: Error;
}

/** What the pool passes on from its workers, once it has taken back the batches concerned. */
export type WorkerEvent = FromWorker | WorkerCrashed;

export interface PoolOptions {
  /** Most workers to run. */
  readonly threads: number;
  /** At most this many workers hold batches (so database connections) at once. */
  readonly maxConnectedWorkers: number;
  /** Workers already started, taken (and removed from here) before new ones are started. */
  readonly started: StartedWorker[];
  /** Starts worker `thread`; with `closeIdle` it closes its connections whenever it runs dry. */
  readonly spawn: (thread: number, closeIdle: boolean) => StartedWorker;
  readonly onEvent: (event: WorkerEvent) => void;
}

/**
 * The workers, started on demand like a thread pool with a maximum size: a worker is started
 * only when a batch is waiting and every started one is busy, so a small dataset does not pay
 * for threads it cannot use. It knows which batches each worker holds.
 */
export class WorkerPool {
  readonly #slots: WorkerSlot[] = [];
  /** Sent to every worker, and to workers started later: the current phase's references. */
  #references: ReferencesMessage | undefined;
  /** Fewer connected workers than threads: workers close their connections when idle. */
  readonly #rationed: boolean;
  readonly #maxBusy: number;

  constructor(private readonly options: PoolOptions) {
    this.#rationed = options.maxConnectedWorkers < options.threads;
    this.#maxBusy = Math.min(options.threads, options.maxConnectedWorkers);
  }

  /** How many workers were started (or taken over). */
  get size(): number {
    return this.#slots.length;
  }

  /** Batches sent and not yet accounted for. */
  get inFlight(): number {
    return this.#slots.reduce((n, s) => n + s.outstanding.size, 0);
  }

  /**
   * The worker for a batch of `model` with `records` records: an idle started worker first,
   * then a new one, then a busy one with room. Once there is a thread per core, a busy thread
   * with room takes a large batch rather than a new thread being started: more threads than
   * cores only add memory to CPU-bound work. Undefined when none may take it now.
   */
  pick(model: string, records: number): WorkerSlot | undefined {
    const busy = this.#slots.filter((s) => s.outstanding.size > 0).length;
    const idle = this.#slots.find((s) => s.outstanding.size === 0);
    if (idle && busy < this.#maxBusy) return idle;
    const best = this.#busyWithRoom(model);
    const canStart = !idle && this.#slots.length < this.options.threads && busy < this.#maxBusy;
    if (canStart && (!best || this.#slots.length < CORES || records < MIN_BATCH)) return this.#start();
    return best;
  }

  send(slot: WorkerSlot, batch: BatchTask): void {
    slot.outstanding.set(batch.batchId, batch.model);
    slot.worker.postMessage(batch);
  }

  /** Sends a phase's references to every worker, and keeps them for workers started later. */
  broadcast(references: ReferencesMessage): void {
    this.#references = references;
    for (const s of this.#slots) s.worker.postMessage(references);
  }

  /** Stops every worker, then those started early that were never used. */
  async stop(): Promise<void> {
    await Promise.all(this.#slots.map((s) => stopWorker(s)));
    await stopUnused(this.options.started);
  }

  /**
   * Among busy workers with room, preferably one that holds no batch of the same model: it
   * prepares this batch while the other commits, so the model's commits follow each other
   * without a gap.
   */
  #busyWithRoom(model: string): WorkerSlot | undefined {
    const cost = (s: WorkerSlot) =>
      s.outstanding.size + ([...s.outstanding.values()].includes(model) ? MAX_OUTSTANDING : 0);
    let best: WorkerSlot | undefined;
    for (const s of this.#slots) {
      if (s.outstanding.size === 0 || s.outstanding.size >= MAX_OUTSTANDING) continue;
      if (!best || cost(s) < cost(best)) best = s;
    }
    return best;
  }

  #start(): WorkerSlot {
    const thread = this.#slots.length + 1;
    const started = this.options.started.shift() ?? this.options.spawn(thread, this.#rationed);
    const slot: WorkerSlot = {
      thread,
      worker: started.worker,
      outstanding: new Map(),
      exited: started.exited,
    };
    this.#slots.push(slot);
    if (this.#references) slot.worker.postMessage(this.#references);
    started.listen(
      (msg) => this.#receive(slot, msg),
      (error) => {
        // Its batches either committed (and were reported) or rolled back with the crash.
        slot.outstanding.clear();
        this.options.onEvent({ type: 'crashed', thread, error });
      },
    );
    return slot;
  }

  /** The batches a message accounts for are taken back before the message is passed on. */
  #receive(slot: WorkerSlot, msg: FromWorker): void {
    if (msg.type === 'done') slot.outstanding.delete(msg.batchId);
    else if (msg.type !== 'ready') for (const id of msg.batchIds) slot.outstanding.delete(id);
    this.options.onEvent(msg);
  }
}
