import { AsyncLocalStorage } from 'node:async_hooks';

const inTurn = new AsyncLocalStorage<true>();
let tail: Promise<unknown> = Promise.resolve();

/**
 * SQLite waits for another process's write lock synchronously, which blocks this whole thread.
 * A thread holding one database's write lock across an await while another of its tasks waits
 * for a second database could then wait forever on a process doing the same the other way
 * round. So a thread writes one SQLite database at a time: each write transaction, and each
 * write outside one, takes this turn; work started inside a turn is part of it and runs at once.
 */
export function writeTurn<T>(work: () => Promise<T>): Promise<T> {
  if (inTurn.getStore()) return work();
  const run = () => inTurn.run(true, work);
  const result = tail.then(run, run);
  tail = result.catch(() => {});
  return result;
}
