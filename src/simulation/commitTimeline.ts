import type { RunReport } from '../reporting/report.js';

const TIMELINE_BUCKETS = 120;

/** When batches committed and how many records each: the report's throughput over time. */
export class CommitTimeline {
  #commits: [number, number][] = [];

  add(at: number, records: number): void {
    this.#commits.push([at, records]);
    if (this.#commits.length > 4 * TIMELINE_BUCKETS) this.#compact();
  }

  /** Records committed per bucket of the run's duration (at most 60 buckets). */
  buckets(startedAt: number, durationMs: number): RunReport['timeline'] {
    const buckets = Math.max(1, Math.min(60, Math.ceil(durationMs / 50)));
    const width = Math.max(1, durationMs) / buckets;
    const out = Array.from({ length: buckets }, (_, i) => ({
      startMs: Math.round(i * width),
      endMs: Math.round((i + 1) * width),
      records: 0,
    }));
    for (const [at, n] of this.#commits) {
      const i = Math.min(buckets - 1, Math.max(0, Math.floor((at - startedAt) / width)));
      const b = out[i];
      if (b) b.records += n;
    }
    return out;
  }

  // Merges neighbouring commit events so the timeline's memory stays fixed.
  #compact(): void {
    const merged: [number, number][] = [];
    for (let i = 0; i < this.#commits.length; i += 2) {
      const a = this.#commits[i] as [number, number];
      const b = this.#commits[i + 1];
      merged.push(b ? [b[0], a[1] + b[1]] : a);
    }
    this.#commits = merged;
  }
}
