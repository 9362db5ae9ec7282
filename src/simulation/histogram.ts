/**
 * Latency histogram with logarithmic buckets (≈2% relative error), fixed size whatever the
 * number of samples, mergeable and serialisable for run history.
 */
const MIN_MS = 0.001;
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = 1200; // up to ~20,000 s

export interface HistogramData {
  readonly counts: Record<string, number>;
  readonly total: number;
  readonly max: number;
}

export class Histogram {
  readonly #counts = new Float64Array(BUCKETS);
  #total = 0;
  #max = 0;

  static bucketOf(ms: number): number {
    if (ms <= MIN_MS) return 0;
    return Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / LOG_GROWTH));
  }

  static upperBound(bucket: number): number {
    return MIN_MS * GROWTH ** bucket;
  }

  add(ms: number, count = 1): void {
    if (count <= 0) return;
    const i = Histogram.bucketOf(ms);
    this.#counts[i] = (this.#counts[i] ?? 0) + count;
    this.#total += count;
    if (ms > this.#max) this.#max = ms;
  }

  merge(other: Histogram): void {
    const data = other.toJSON();
    for (const [k, v] of Object.entries(data.counts))
      this.#counts[Number(k)] = (this.#counts[Number(k)] ?? 0) + v;
    this.#total += data.total;
    if (data.max > this.#max) this.#max = data.max;
  }

  get total(): number {
    return this.#total;
  }

  get max(): number {
    return this.#max;
  }

  /** Value at percentile p (0..100), as the upper bound of its bucket, never above the maximum. */
  percentile(p: number): number {
    if (this.#total === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i] ?? 0;
      if (seen >= rank) return Math.min(Histogram.upperBound(i), this.#max);
    }
    return this.#max;
  }

  toJSON(): HistogramData {
    const counts: Record<string, number> = {};
    this.#counts.forEach((c, i) => {
      if (c > 0) counts[i] = c;
    });
    return { counts, total: this.#total, max: this.#max };
  }

  static from(data: HistogramData): Histogram {
    const h = new Histogram();
    for (const [k, v] of Object.entries(data.counts)) h.#counts[Number(k)] = v;
    h.#total = data.total;
    h.#max = data.max;
    return h;
  }
}
