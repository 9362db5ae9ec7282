import type { Distdb } from '../distdb.js';
import { fairShares } from '../util/fairShares.js';
import type { Dataset } from './datasets/dataset.js';
import type { BatchResult } from './messages.js';
import type { SimulateProgress } from './options.js';
import { datasetSizes } from './runStart.js';
import type { RunStats } from './runStats.js';

/** Calls `onProgress` at most every 100 ms, and once more when every record is decided. */
export function progressReporter(
  db: Distdb,
  x: {
    readonly onProgress: ((p: SimulateProgress) => void) | undefined;
    readonly dataset: Dataset;
    readonly stats: RunStats;
    readonly startedAt: number;
  },
): (result: BatchResult) => void {
  const { onProgress } = x;
  if (!onProgress) return () => {};
  const models = db.models;
  const sizes = datasetSizes(x.dataset, models);
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  const perDatabase: Record<string, number> = {};
  for (const m of models) {
    // A progress estimate: a sharded model's records counted to its shards in even shares, as a
    // hash spreads them (a range rule's shares are not known before the records are read).
    const aliases = db.aliasesOf(m);
    fairShares(
      aliases.map(() => Number.POSITIVE_INFINITY),
      sizes[m.name] ?? 0,
    ).forEach((n, i) => {
      const alias = aliases[i] as string;
      perDatabase[alias] = (perDatabase[alias] ?? 0) + n;
    });
  }
  let last = 0;
  return () => {
    const now = Date.now();
    if (now - last < 100 && x.stats.done !== total) return;
    last = now;
    const databases = Object.entries(x.stats.perDatabase()).map(([a, c]) => [
      a,
      { ...c, total: perDatabase[a] ?? 0 },
    ]);
    onProgress({
      done: x.stats.done,
      total,
      failed: x.stats.failed,
      elapsedMs: now - x.startedAt,
      databases: Object.fromEntries(databases),
    });
  };
}
