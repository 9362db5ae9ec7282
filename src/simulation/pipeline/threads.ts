import { Worker } from 'node:worker_threads';
import type { FromWorker, WorkerInit } from '../messages.js';

const WORKER_HEAP = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 };

export interface StartedWorker {
  readonly worker: Worker;
  readonly exited: Promise<void>;
  /** Messages and errors that arrived before anyone listened, replayed by `listen`. */
  readonly early: (FromWorker | Error)[];
  listen(onMessage: (msg: FromWorker) => void, onError: (err: Error) => void): void;
}

/** Starts a worker thread; its exit and early messages are kept, so nothing it says is lost. */
export function startWorker(init: WorkerInit): StartedWorker {
  const worker = new Worker(new URL('../worker.js', import.meta.url), {
    workerData: init,
    resourceLimits: WORKER_HEAP,
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const early: (FromWorker | Error)[] = [];
  const keep = (m: FromWorker | Error) => early.push(m);
  worker.on('message', keep);
  worker.on('error', keep);
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
