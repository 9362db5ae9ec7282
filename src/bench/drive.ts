import { performance } from 'node:perf_hooks';

/** Calls per second over a timed run, and their latencies. */
export interface Rate {
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** `work` called by `callers` callers back to back for `seconds`: its rate and latencies. */
export async function drive(
  callers: number,
  seconds: number,
  work: (n: number) => Promise<void>,
): Promise<Rate> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await work(n++);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const ms = performance.now() - start;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { perSecond: Math.round((latencies.length / ms) * 1000), p50Ms: at(0.5), p99Ms: at(0.99) };
}
