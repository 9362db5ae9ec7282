import type { Model } from '../models/model.js';
import { MODELS } from '../models/models.js';
import { type Dataset, datasetSize } from './datasets/dataset.js';
import type { GeneratorSpec } from './datasets/generated.js';
import type { BatchTask } from './messages.js';

export const MAX_BATCH = 5000;
/** Below this, a transaction's fixed cost (and a worker's start) outweighs spreading the work. */
export const MIN_BATCH = 256;

/** How to get the same dataset again, for `--resume`. */
export type DatasetOrigin =
  | { readonly kind: 'canonical' }
  | { readonly kind: 'file'; readonly path: string; readonly sha256: string }
  | { readonly kind: 'generated'; readonly spec: GeneratorSpec }
  | { readonly kind: 'inline' };

/** Stored with the run: enough to cut exactly the same batches again. */
export interface RunPlan {
  readonly origin: DatasetOrigin;
  readonly batchSizes: Readonly<Record<string, number>>;
}

/**
 * Batch sizes: enough batches for every thread to have work, but not below MIN_BATCH records
 * and not above `maxBatch` (an explicit `maxBatch` below MIN_BATCH is taken as is).
 */
export function planRun(dataset: Dataset, threads: number, maxBatch = MAX_BATCH): RunPlan {
  const floor = Math.min(MIN_BATCH, maxBatch);
  const batchSizes = Object.fromEntries(
    MODELS.map((m) => [
      m.name,
      Math.max(
        1,
        Math.min(maxBatch, Math.max(floor, Math.ceil(datasetSize(dataset, m.datasetKey) / threads))),
      ),
    ]),
  );
  const origin: DatasetOrigin =
    dataset.kind === 'generated'
      ? { kind: 'generated', spec: dataset.spec }
      : (dataset.origin ?? { kind: 'inline' });
  return { origin, batchSizes };
}

/** Models without references first (written in parallel), then the models that reference them. */
export function phases(): Model[][] {
  const refs = (m: Model) => m.fields.some((f) => f.type.kind === 'reference');
  return [MODELS.filter((m) => !refs(m)), MODELS.filter(refs)];
}

/**
 * Cuts a phase's batches lazily (a generated dataset is never materialised here), interleaving
 * its models, and skips batches already committed (`done`: model → committed batch count).
 */
export function* batchesOf(
  phase: readonly Model[],
  dataset: Dataset,
  plan: RunPlan,
  done: Readonly<Record<string, number>>,
): Generator<Omit<BatchTask, 'batchId'>> {
  const inMemory = dataset.kind === 'records' ? dataset.records : undefined;
  const spec = dataset.kind === 'generated' ? dataset.spec : undefined;
  const cursors = phase.map((m) => {
    const size = plan.batchSizes[m.name] ?? MAX_BATCH;
    const seq = done[m.name] ?? 0;
    return { model: m, size, seq, next: seq * size, total: datasetSize(dataset, m.datasetKey) };
  });
  for (;;) {
    let emitted = false;
    for (const c of cursors) {
      if (c.next >= c.total) continue;
      const count = Math.min(c.size, c.total - c.next);
      const task = { type: 'batch', model: c.model.name, seq: c.seq++, firstIndex: c.next } as const;
      yield spec
        ? { ...task, generate: { spec, count } }
        : { ...task, records: (inMemory?.[c.model.datasetKey] ?? []).slice(c.next, c.next + count) };
      c.next += count;
      emitted = true;
    }
    if (!emitted) return;
  }
}
