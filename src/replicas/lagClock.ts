/** How far behind a replica is, in time: `known` false when it is behind everything seen so far. */
export interface Lag {
  readonly ms: number;
  readonly known: boolean;
}

/** Positions of the primary's log kept at most (at a poll every 100 ms, minutes of writes). */
const MAX_SAMPLES = 5000;

/**
 * The primary's log positions as polled, each with when it was first seen. A replica that has
 * replayed up to R lags by the time since the primary was first seen past R: zero when it has
 * replayed all that was seen, and it does not grow while the primary is idle (as a replay
 * timestamp would).
 */
export class LagClock {
  readonly #samples: { position: string; at: number }[] = [];
  /** Every position after this one was seen when the primary reached it (undefined: none before the first sample). */
  #seenAfter: string | undefined;

  constructor(private readonly distance: (from: string, to: string) => number) {}

  /** A position of the primary's log, read at `at`. */
  saw(position: string, at: number): void {
    const last = this.#samples.at(-1);
    if (last && this.distance(last.position, position) <= 0) return;
    this.#samples.push({ position, at });
    if (this.#samples.length > MAX_SAMPLES) this.#seenAfter = this.#samples.shift()?.position;
  }

  get latest(): string | undefined {
    return this.#samples.at(-1)?.position;
  }

  lag(replayed: string, now: number): Lag {
    const i = this.#samples.findIndex((s) => this.distance(replayed, s.position) > 0);
    const first = this.#samples[i];
    if (!first) return { ms: 0, known: true };
    const known = i > 0 || (this.#seenAfter !== undefined && this.distance(this.#seenAfter, replayed) >= 0);
    return { ms: now - first.at, known };
  }

  /** Forgets what no replica needs: positions every replica has replayed (`slowest`), but the latest. */
  forget(slowest: string): void {
    while (this.#samples.length > 1 && this.distance(this.#samples[0]?.position ?? slowest, slowest) >= 0)
      this.#seenAfter = this.#samples.shift()?.position;
  }
}
