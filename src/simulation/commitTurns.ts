import type { KeyDigest } from '../store/keyDigest.js';

/** Key hashes a published digest can hold; a batch with more keys is taken to conflict with any. */
const DIGEST_CAPACITY = 32_768;
// Int32 slots: abort flag, then per model: committed batches, a change counter, and for two
// digest slots (by batch parity) the batch that published it (-1: none) and its length (-1:
// "cannot tell"). The digests' hashes follow as Float64.
const ABORT = 0;
const COMMITTED = 1;

/** Where each part of the shared state sits, for `m` models. */
function layout(m: number) {
  const events = COMMITTED + m;
  const digestSeq = events + m;
  const digestLen = digestSeq + 2 * m;
  const headerInts = digestLen + 2 * m;
  const hashesOffset = Math.ceil((headerInts * Int32Array.BYTES_PER_ELEMENT) / 8) * 8;
  return { events, digestSeq, digestLen, headerInts, hashesOffset };
}

/** The state shared by all workers of a run, for its models (by name); see CommitTurns. */
export function createTurns(models: readonly string[]): SharedArrayBuffer {
  const m = models.length;
  const l = layout(m);
  const buffer = new SharedArrayBuffer(
    l.hashesOffset + 2 * m * DIGEST_CAPACITY * Float64Array.BYTES_PER_ELEMENT,
  );
  new Int32Array(buffer, 0, l.headerInts).fill(-1, l.digestSeq, l.digestLen);
  return buffer;
}

export class Aborted extends Error {
  constructor() {
    super('run aborted');
  }
}

/**
 * Write turns shared by all workers. A worker holding batch `seq` of a model commits only when
 * exactly `seq` batches of it have committed, so conflicting records always meet the database
 * in dataset order, whatever the number of threads.
 *
 * Where the backend lets transactions that insert different keys proceed side by side (see
 * `overlappingWrites`), batch `seq` may also start writing while batch `seq - 1` is still
 * committing: each batch publishes a digest of its keys before it writes, and the next writes
 * early only its rows that certainly share no key with it (see deferredRows), the rest after
 * that commit. A later batch then never takes a key an earlier one inserts, so every outcome
 * is the one the strict order gives.
 */
export class CommitTurns {
  readonly #slots: Int32Array;
  readonly #hashes: Float64Array;
  readonly #models: readonly string[];
  readonly #events: number;
  readonly #digestSeq: number;
  readonly #digestLen: number;

  /** `models`: the names given to `createTurns`, in the same order. */
  constructor(buffer: SharedArrayBuffer, models: readonly string[]) {
    const l = layout(models.length);
    this.#slots = new Int32Array(buffer, 0, l.headerInts);
    this.#hashes = new Float64Array(buffer, l.hashesOffset);
    this.#models = models;
    this.#events = l.events;
    this.#digestSeq = l.digestSeq;
    this.#digestLen = l.digestLen;
  }

  modelIndex(modelName: string): number {
    const i = this.#models.indexOf(modelName);
    if (i < 0) throw new Error(`unknown model ${modelName}`);
    return i;
  }

  /**
   * Settles when it is batch `seq`'s turn to commit; rejects with `Aborted` if the run is being
   * stopped. It does not block the thread: a worker prepares its next batch while this one waits.
   */
  async turn(modelName: string, seq: number): Promise<void> {
    const m = this.modelIndex(modelName);
    for (;;) {
      const committed = Atomics.load(this.#slots, COMMITTED + m);
      if (committed === seq) return;
      await this.#wait(COMMITTED + m, committed);
    }
  }

  /**
   * Settles when batch `seq` may start writing, after publishing `digest` (its keys) for batch
   * `seq + 1`: with `null` at its commit turn, or earlier, once batch `seq - 1` is the only one
   * before it still open and has published its keys, with a copy of those keys.
   */
  async writeTurn(modelName: string, seq: number, digest: KeyDigest): Promise<KeyDigest | null> {
    const m = this.modelIndex(modelName);
    for (;;) {
      const events = Atomics.load(this.#slots, this.#events + m);
      const committed = Atomics.load(this.#slots, COMMITTED + m);
      if (committed === seq) {
        this.#publish(m, seq, digest);
        return null;
      }
      if (committed === seq - 1 && this.#published(m, seq - 1)) {
        const previous = this.#digest(m, seq - 1)?.slice();
        this.#publish(m, seq, digest);
        return previous;
      }
      await this.#wait(this.#events + m, events);
    }
  }

  /** Resuming: the first `committed` batches of the model are already written. */
  start(modelName: string, committed: number): void {
    Atomics.store(this.#slots, COMMITTED + this.modelIndex(modelName), committed);
  }

  done(modelName: string, seq: number): void {
    const m = this.modelIndex(modelName);
    Atomics.store(this.#slots, COMMITTED + m, seq + 1);
    Atomics.notify(this.#slots, COMMITTED + m);
    this.#changed(m);
  }

  abort(): void {
    Atomics.store(this.#slots, ABORT, 1);
    for (let i = 1; i < this.#slots.length; i++) Atomics.notify(this.#slots, i);
  }

  get aborted(): boolean {
    return Atomics.load(this.#slots, ABORT) !== 0;
  }

  async #wait(slot: number, seen: number): Promise<void> {
    if (this.aborted) throw new Aborted();
    const r = Atomics.waitAsync(this.#slots, slot, seen, 100);
    if (r.async) await r.value;
  }

  #changed(m: number): void {
    Atomics.add(this.#slots, this.#events + m, 1);
    Atomics.notify(this.#slots, this.#events + m);
  }

  #published(m: number, seq: number): boolean {
    return Atomics.load(this.#slots, this.#digestSeq + 2 * m + (seq % 2)) === seq;
  }

  #digest(m: number, seq: number): KeyDigest {
    const slot = 2 * m + (seq % 2);
    const length = Atomics.load(this.#slots, this.#digestLen + slot);
    return length < 0
      ? undefined
      : this.#hashes.subarray(slot * DIGEST_CAPACITY, slot * DIGEST_CAPACITY + length);
  }

  /**
   * The slot of batch `seq` last held batch `seq - 2`, which has committed, and which batch
   * `seq - 1` no longer reads. Its hashes are written before its number, so a reader that
   * sees the number sees them.
   */
  #publish(m: number, seq: number, digest: KeyDigest): void {
    const slot = 2 * m + (seq % 2);
    Atomics.store(this.#slots, this.#digestSeq + slot, -1);
    const fits = digest !== undefined && digest.length <= DIGEST_CAPACITY;
    if (fits) this.#hashes.set(digest, slot * DIGEST_CAPACITY);
    Atomics.store(this.#slots, this.#digestLen + slot, fits ? digest.length : -1);
    Atomics.store(this.#slots, this.#digestSeq + slot, seq);
    this.#changed(m);
  }
}
