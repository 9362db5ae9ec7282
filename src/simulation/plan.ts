import { availableParallelism } from 'node:os';
import type { AnyModel } from '../models/model.js';
import { recordBoundProblem } from '../models/recordBounds.js';
import { referencePhases } from '../models/schemaGraph.js';
import { recordId } from '../models/validate.js';
import { type Dataset, datasetSize, type Rejection } from './datasets/dataset.js';
import type { GeneratorSpec } from './datasets/generator.js';
import type { BatchTask, RejectedRecord } from './messages.js';

export const MAX_BATCH = 10_000;
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
  /** `simulate --atomic`: the drawing model's records each in one transaction with their stock. */
  readonly atomic?: boolean;
}

/**
 * Batch sizes: enough batches for every thread that can run at once (threads, at most one per
 * core) to have work, but not below MIN_BATCH records and not above `maxBatch` (an explicit
 * `maxBatch` below MIN_BATCH is taken as is).
 */
export function planRun(
  dataset: Dataset,
  models: readonly AnyModel[],
  threads: number,
  maxBatch = MAX_BATCH,
  cores = availableParallelism(),
): RunPlan {
  const parallel = Math.max(1, Math.min(threads, cores));
  const floor = Math.min(MIN_BATCH, maxBatch);
  const batchSizes = Object.fromEntries(
    models.map((m) => [
      m.name,
      Math.max(
        1,
        Math.min(maxBatch, Math.max(floor, Math.ceil(datasetSize(dataset, m.datasetKey) / parallel))),
      ),
    ]),
  );
  const origin: DatasetOrigin =
    dataset.kind === 'generated'
      ? { kind: 'generated', spec: dataset.spec }
      : (dataset.origin ?? { kind: 'inline' });
  return { origin, batchSizes };
}

/**
 * Models without references first (written in parallel), then, phase by phase, the models
 * whose references are all to earlier phases: a record is decided only after every record it
 * may reference.
 */
export function phases(models: readonly AnyModel[]): AnyModel[][] {
  return referencePhases(models);
}

/**
 * Cuts one model's batches lazily (a generated dataset is never materialised here), starting
 * after the batches already committed (`done`).
 */
export function* batchesOf(
  model: AnyModel,
  dataset: Dataset,
  plan: RunPlan,
  done: number,
): Generator<Omit<BatchTask, 'batchId' | 'run'>> {
  const inMemory = dataset.kind === 'records' ? dataset.records[model.datasetKey] : undefined;
  const spec = dataset.kind === 'generated' ? dataset.spec : undefined;
  const size = plan.batchSizes[model.name] ?? MAX_BATCH;
  const total = datasetSize(dataset, model.datasetKey);
  const rejected = dataset.kind === 'records' ? dataset.rejected?.[model.datasetKey] : undefined;
  for (let seq = done, next = done * size; next < total; seq++, next += size) {
    const count = Math.min(size, total - next);
    const task = { type: 'batch', model: model.name, seq, firstIndex: next } as const;
    yield spec
      ? { ...task, generate: { spec, count } }
      : { ...task, ...screened(model, (inMemory ?? []).slice(next, next + count), next, rejected) };
  }
}

/**
 * A batch's records with those that fail as they are (rejected when read, or beyond what a
 * record may be) taken out before they are sent to a worker: a record nested 100,000 deep
 * would overflow the stack of the structured clone that sends it.
 */
function screened(
  model: AnyModel,
  records: unknown[],
  firstIndex: number,
  rejected: ReadonlyMap<number, Rejection> | undefined,
): { records: unknown[]; rejected?: RejectedRecord[] } {
  const out: RejectedRecord[] = [];
  records.forEach((record, index) => {
    const problem = rejected?.get(firstIndex + index) ?? recordBoundProblem(record);
    if (!problem) return;
    out.push({ index, id: recordId(model, record), code: problem.code, message: problem.message });
    records[index] = null;
  });
  return out.length > 0 ? { records, rejected: out } : { records };
}
