/** How far behind a replica is, in time: `known` false when it is behind everything seen so far (or nothing was). */
export interface Lag {
  readonly ms: number;
  readonly known: boolean;
}

/** Positions of the primary's log kept at most (at a poll every 100 ms, minutes of writes). */
const MAX_SAMPLES = 5000;

/**
 * The primary's log positions as polled, each with when it was first and last seen. A replica
 * that has replayed up to R is behind by at most the time since the primary was last seen at or
 * before R: zero when it has replayed all that was seen, and it does not grow while the primary
 * is idle (as a replay timestamp would).
 */
export class LagClock {
  /** Each position seen: when first (`at`) and last (`until`) read from the primary. */
  readonly #samples: { position: string; at: number; until: number }[] = [];
  /** The last position forgotten, and when the primary was last seen there: every later one is timed. */
  #forgotten: { position: string; until: number } | undefined;

  constructor(private readonly distance: (from: string, to: string) => number) {}

  /** A position of the primary's log, read at `at`. */
  saw(position: string, at: number): void {
    const last = this.#samples.at(-1);
    if (last && this.distance(last.position, position) <= 0) {
      last.until = Math.max(last.until, at);
      return;
    }
    this.#samples.push({ position, at, until: at });
    if (this.#samples.length > MAX_SAMPLES) this.#forget();
  }

  get latest(): string | undefined {
    return this.#samples.at(-1)?.position;
  }

  /** When the primary's position was last read; undefined before the first time. */
  get lastRead(): number | undefined {
    return this.#samples.at(-1)?.until;
  }

  /**
   * At most how long ago the primary was last seen at or before `replayed` (so the replica is at
   * most that far behind): 0 when it has replayed all that was seen.
   */
  lag(replayed: string, now: number): Lag {
    const i = this.#samples.findIndex((s) => this.distance(replayed, s.position) > 0);
    const first = this.#samples[i];
    if (this.#samples.length === 0) return { ms: 0, known: false };
    if (!first) return { ms: 0, known: true };
    const before = i > 0 ? this.#samples[i - 1] : this.#forgotten;
    if (!before || this.distance(before.position, replayed) < 0) return { ms: now - first.at, known: false };
    return { ms: now - before.until, known: true };
  }

  /** Forgets what no replica needs: positions every replica has replayed (`slowest`), but the latest. */
  forget(slowest: string): void {
    while (this.#samples.length > 1 && this.distance(this.#samples[0]?.position ?? slowest, slowest) >= 0)
      this.#forget();
  }

  #forget(): void {
    const gone = this.#samples.shift();
    if (gone) this.#forgotten = { position: gone.position, until: gone.until };
  }
}
