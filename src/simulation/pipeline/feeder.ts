import type { JournalRun } from '../../store/journal.js';
import type { BatchTask } from '../messages.js';
import { batchSize, type Cursor, type Task } from './phasePlan.js';

/**
 * Records of one model dispatched but not yet committed. A model's batches commit one after the
 * other, so more than a few batches ahead only wait for their turn (holding memory, and
 * starting threads that cannot help); small batches may run many at once.
 */
const MAX_IN_FLIGHT_RECORDS = 20_000;

/** The batch the feeder would send next, with the cursor it comes from. */
export interface NextBatch {
  readonly cursor: Cursor;
  readonly task: Task;
  readonly records: number;
}

/**
 * Chooses which of the current phase's batches is sent next, and numbers them. Round-robin
 * over the phase's models that have room (the one with the fewest records in flight first),
 * so users and products go together.
 */
export class Feeder {
  #cursors: Cursor[] = [];
  /** Batch id → the cursor it came from, until its result is in. */
  readonly #sent = new Map<number, Cursor>();
  #nextBatchId = 1;

  constructor(private readonly run: JournalRun) {}

  /** Feeds the batches of a new phase (the previous phase's are all sent). */
  begin(cursors: Cursor[]): void {
    this.#cursors = cursors;
  }

  /** Every batch of the phase was sent (true before the first phase). */
  get exhausted(): boolean {
    return this.#cursors.every((c) => c.next === undefined);
  }

  /** The next batch to send; undefined while every model with batches left is at its limit. */
  peek(): NextBatch | undefined {
    let best: NextBatch | undefined;
    for (const cursor of this.#cursors) {
      const task = cursor.next;
      if (task === undefined) continue;
      const records = batchSize(task);
      if (cursor.inFlight !== 0 && cursor.inFlight + records > MAX_IN_FLIGHT_RECORDS) continue;
      if (!best || cursor.inFlight < best.cursor.inFlight) best = { cursor, task, records };
    }
    return best;
  }

  /** Takes the batch `peek` chose: it is numbered, and its records count as in flight. */
  take(next: NextBatch): BatchTask {
    const batch: BatchTask = { ...next.task, batchId: this.#nextBatchId++, run: this.run };
    next.cursor.inFlight += next.records;
    next.cursor.advance();
    this.#sent.set(batch.batchId, next.cursor);
    return batch;
  }

  /** A batch's result is in: its records no longer count against its model's limit. */
  settle(batchId: number, records: number): void {
    const cursor = this.#sent.get(batchId);
    this.#sent.delete(batchId);
    if (cursor) cursor.inFlight -= records;
  }
}
