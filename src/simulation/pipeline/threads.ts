import { Worker } from 'node:worker_threads';
import type { FromWorker, InitMessage, WorkerInit } from '../messages.js';

const WORKER_HEAP = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 };

export interface StartedWorker {
  readonly worker: Worker;
  readonly exited: Promise<void>;
  /** Messages and errors that arrived before anyone listened, replayed by `listen`. */
  readonly early: (FromWorker | Error)[];
  listen(onMessage: (msg: FromWorker) => void, onError: (err: Error) => void): void;
}

const WORKER_URL = new URL('../worker.js', import.meta.url);

/** Threads a run on embedded databases starts before its tables are checked (simulate). */
export const EARLY_THREADS = 2;

/** A thread started before its work is known: it loads its modules, then waits for its init. */
interface Booting {
  readonly worker: Worker;
  readonly exited: Promise<void>;
  readonly early: (FromWorker | Error)[];
  readonly keep: (m: FromWorker | Error) => void;
}

const booting: Booting[] = [];

function spawn(workerData: WorkerInit | null): Booting {
  const worker = new Worker(WORKER_URL, { workerData, resourceLimits: WORKER_HEAP });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const early: (FromWorker | Error)[] = [];
  const keep = (m: FromWorker | Error) => early.push(m);
  worker.on('message', keep);
  worker.on('error', keep);
  return { worker, exited, early, keep };
}

/**
 * Starts `n` threads now, to boot while the process loads the rest of itself (a thread takes
 * longer to load its modules than a small run takes to run). The next `startWorker` calls take
 * them; any left over do not keep the process alive.
 */
export function prebootWorkers(n: number): void {
  for (let i = 0; i < n; i++) {
    const b = spawn(null);
    b.worker.unref();
    booting.push(b);
  }
}

/** Starts a worker thread; its exit and early messages are kept, so nothing it says is lost. */
export function startWorker(init: WorkerInit): StartedWorker {
  const waiting = booting.shift();
  if (waiting) {
    waiting.worker.ref();
    waiting.worker.postMessage({ type: 'init', init } satisfies InitMessage);
  }
  const { worker, exited, early, keep } = waiting ?? spawn(init);
  return {
    worker,
    exited,
    early,
    listen(onMessage, onError) {
      worker.off('message', keep);
      worker.off('error', keep);
      worker.on('message', onMessage);
      worker.on('error', onError);
      for (const m of early.splice(0)) {
        if (m instanceof Error) onError(m);
        else onMessage(m);
      }
    },
  };
}

/** Stops workers started early that the run never used. */
export async function stopUnused(workers: StartedWorker[]): Promise<void> {
  const unused = workers.splice(0);
  await Promise.all(unused.map((w) => stopWorker(w)));
}

/** Asks a worker to close its connections and exit; one that does not is terminated. */
export async function stopWorker(thread: {
  readonly worker: Worker;
  readonly exited: Promise<void>;
}): Promise<void> {
  const timer = setTimeout(() => void thread.worker.terminate(), 5000);
  thread.worker.postMessage({ type: 'stop' });
  await thread.exited;
  clearTimeout(timer);
}
