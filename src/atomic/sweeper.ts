import type { Connection } from '../db/dialect.js';
import { forgetDecisions } from './log.js';

/** Decisions taken out of a log at once, at most. */
const BATCH = 500;
/** How long a done decision may wait for others to go with it. */
const WAIT_MS = 100;

/**
 * Takes the decisions of finished transactions out of their logs in batches, one statement per
 * log, off the path of the callers: a decision left behind by a crash is only read by recovery,
 * which finds its branches ended and takes it out then.
 */
export class DecisionSweeper {
  readonly #due = new Map<Connection, string[]>();
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> = Promise.resolve();

  add(log: Connection, txid: string): void {
    const due = this.#due.get(log) ?? [];
    due.push(txid);
    this.#due.set(log, due);
    if (due.length >= BATCH) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), WAIT_MS).unref();
  }

  /** Sweeps what is due now; never throws (what fails stays for recovery). */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const due = [...this.#due];
    this.#due.clear();
    this.#sweeping = this.#sweeping.then(async () => {
      for (const [log, txids] of due) await forgetDecisions(log, txids).catch(() => {});
    });
    return this.#sweeping;
  }
}
