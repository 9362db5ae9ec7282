import { DistdbError } from '../../errors.js';
import type { CommitTurns } from '../commitTurns.js';

/**
 * How a run ends: done, or failed with its first fatal error. The error is reported only once
 * every in-flight batch is accounted for: committed batches are always reported, so counts
 * match the databases.
 */
export class Ending {
  readonly promise: Promise<void>;
  #resolve: () => void = () => {};
  #reject: (err: DistdbError) => void = () => {};
  #over = false;
  /** The first fatal error: the run's error. */
  #error: DistdbError | undefined;

  constructor(
    private readonly turns: CommitTurns,
    private readonly inFlight: () => number,
  ) {
    this.promise = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Done or failed: later events change nothing. */
  get over(): boolean {
    return this.#over;
  }

  /**
   * Nothing more is to be sent: a fatal error was met, or a worker aborted the commit turns
   * (its own fatal message follows).
   */
  get failing(): boolean {
    return this.#error !== undefined || this.turns.aborted;
  }

  done(): void {
    this.#over = true;
    this.#resolve();
  }

  fail(error: DistdbError): void {
    this.#error ??= error;
    // Workers stop taking write turns: no batch may be written past a failure.
    this.turns.abort();
    this.failIfIdle();
  }

  /** Fails the run if it is failing and nothing is in flight any more. */
  failIfIdle(): void {
    if (this.inFlight() > 0) return;
    const aborted = this.turns.aborted ? new DistdbError('runtime', 'the run was aborted') : undefined;
    const error = this.#error ?? aborted;
    if (!error) return;
    this.#over = true;
    this.#reject(error);
  }
}
