import type { MessagePort } from 'node:worker_threads';
import type { InitMessage, ToWorker, WorkerInit } from './messages.js';

export interface ThreadStart {
  readonly init: WorkerInit;
  /** Takes the thread's messages from now on, starting with any that came after the init. */
  listen(onMessage: (msg: ToWorker) => void): void;
}

/**
 * A worker thread's init: its workerData, or, for a thread started before its work was known
 * (prebootWorkers), its first message.
 */
export async function threadStart(port: MessagePort, data: WorkerInit | null): Promise<ThreadStart> {
  const queued: ToWorker[] = [];
  const queue = (msg: InitMessage | ToWorker) => {
    if (msg.type !== 'init') queued.push(msg);
  };
  port.on('message', queue);
  const init =
    data ??
    (await new Promise<WorkerInit>((resolve) => {
      const take = (msg: InitMessage | ToWorker) => {
        if (msg.type !== 'init') return;
        port.off('message', take);
        resolve(msg.init);
      };
      port.on('message', take);
    }));
  return {
    init,
    listen(onMessage) {
      // In one step, so no message falls between the two listeners.
      port.on('message', onMessage);
      port.off('message', queue);
      for (const msg of queued.splice(0)) onMessage(msg);
    },
  };
}
