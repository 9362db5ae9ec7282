/** Records handled between two yields to the event loop. */
export const SLICE = 1000;

/**
 * Lets other callbacks of this thread run. Long CPU work (generating or validating a batch) is
 * done in slices with this in between, so a transaction waiting on its database is not kept
 * waiting further by the thread it runs on.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
