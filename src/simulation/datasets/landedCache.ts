/** Slots of the memo: enough for the records a worker's batches reach, bounded whatever the count. */
const SLOTS = 1 << 15;

/**
 * Whether record i of a model lands, for recently asked records: a direct-mapped table, so
 * memory stays the same however many records a run has (an evicted answer is worked out again).
 */
export class LandedCache {
  readonly #keys = new Float64Array(SLOTS).fill(-1);
  readonly #values = new Uint8Array(SLOTS);

  get(index: number): boolean | undefined {
    const slot = index % SLOTS;
    return this.#keys[slot] === index ? this.#values[slot] === 1 : undefined;
  }

  set(index: number, landed: boolean): void {
    const slot = index % SLOTS;
    this.#keys[slot] = index;
    this.#values[slot] = landed ? 1 : 0;
  }
}
