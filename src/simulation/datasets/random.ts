/**
 * Counter-based randomness: record i of a model is a pure function of (seed, model, i), so any
 * worker can generate any range, in any order, and get the same records.
 */
function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A small PRNG (mulberry32) seeded from (seed, stream, index). */
export class Rng {
  #state: number;
  constructor(seed: number, stream: number, index: number) {
    this.#state = fmix32(
      fmix32(seed ^ Math.imul(stream, 0x9e3779b1)) ^ fmix32(index + 0x632be5ab) ^ Math.floor(index / 2 ** 32),
    );
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}
