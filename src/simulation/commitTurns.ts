import { MODELS } from '../models/models.js';

/**
 * Write turns shared by all workers: slot 0 is the abort flag, slot 1+m counts the committed
 * batches of model m. A worker holding batch `seq` of a model writes only when exactly `seq`
 * batches of it have committed, so conflicting records always meet the database in dataset
 * order, whatever the number of threads.
 */
export function createTurns(): SharedArrayBuffer {
  return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * (MODELS.length + 1));
}

export class Aborted extends Error {
  constructor() {
    super('run aborted');
  }
}

export class CommitTurns {
  readonly #slots: Int32Array;
  constructor(buffer: SharedArrayBuffer) {
    this.#slots = new Int32Array(buffer);
  }

  static slotOf(modelName: string): number {
    const i = MODELS.findIndex((m) => m.name === modelName);
    if (i < 0) throw new Error(`unknown model ${modelName}`);
    return i + 1;
  }

  /**
   * Settles when it is batch `seq`'s turn; rejects with `Aborted` if the run is being stopped.
   * It does not block the thread: a worker prepares its next batch while this one waits.
   */
  async turn(modelName: string, seq: number): Promise<void> {
    const slot = CommitTurns.slotOf(modelName);
    for (;;) {
      const committed = Atomics.load(this.#slots, slot);
      if (committed === seq) return;
      if (Atomics.load(this.#slots, 0) !== 0) throw new Aborted();
      const r = Atomics.waitAsync(this.#slots, slot, committed, 100);
      if (r.async) await r.value;
    }
  }

  /** Resuming: the first `committed` batches of the model are already written. */
  start(modelName: string, committed: number): void {
    Atomics.store(this.#slots, CommitTurns.slotOf(modelName), committed);
  }

  done(modelName: string, seq: number): void {
    const slot = CommitTurns.slotOf(modelName);
    Atomics.store(this.#slots, slot, seq + 1);
    Atomics.notify(this.#slots, slot);
  }

  abort(): void {
    Atomics.store(this.#slots, 0, 1);
    for (let i = 1; i < this.#slots.length; i++) Atomics.notify(this.#slots, i);
  }

  get aborted(): boolean {
    return Atomics.load(this.#slots, 0) !== 0;
  }
}
