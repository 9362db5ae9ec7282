import type { FailureReport } from '../reporting/report.js';
import type { RunStore } from '../runs/runStore.js';

/** Failures are stored in transactions of this many: each commit is a sync of `default`. */
const FAILURE_FLUSH = 5000;

type StoredFailure = FailureReport & { seq: number };

/**
 * Failed records on their way to run history, stored in order, in transactions of
 * FAILURE_FLUSH while the run goes on. The first write that fails is kept (`error`), reported
 * to `onError` once, and nothing more is written: the run cannot record what it decides.
 */
export class FailureLog {
  #buffer: StoredFailure[] = [];
  #writing: Promise<void> = Promise.resolve();
  #error: unknown;

  constructor(
    private readonly store: RunStore,
    private readonly runId: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  get error(): unknown {
    return this.#error;
  }

  add(failures: readonly StoredFailure[]): void {
    this.#buffer.push(...failures);
    if (this.#buffer.length >= FAILURE_FLUSH) void this.flush();
  }

  /** Writes what is buffered after what is being written; settles when all of it is stored or given up. */
  flush(): Promise<void> {
    const batch = this.#buffer;
    this.#buffer = [];
    this.#writing = this.#writing.then(async () => {
      if (this.#error !== undefined || batch.length === 0) return;
      try {
        await this.store.appendFailures(this.runId, batch);
      } catch (err) {
        this.#error = err;
        this.onError(err);
      }
    });
    return this.#writing;
  }
}
