import type { FailureCode } from '../../models/failureCodes.js';
import type { GeneratedDataset } from './generated.js';

/** Why a record of a dataset file failed before it could be validated (a key written twice, say). */
export interface Rejection {
  readonly code: FailureCode;
  readonly message: string;
}

/** Records held in memory, keyed by the model's dataset key (users, products, orders). */
export interface RecordsDataset {
  readonly kind: 'records';
  readonly name: string;
  readonly records: Readonly<Record<string, readonly unknown[]>>;
  /** Dataset key → record index → why that record failed as it was read. */
  readonly rejected?: Readonly<Record<string, ReadonlyMap<number, Rejection>>>;
  /** Where the records came from, so an interrupted run can be resumed. */
  readonly origin?:
    | { readonly kind: 'canonical' }
    | { readonly kind: 'file'; readonly path: string; readonly sha256: string };
}

/** Either records in memory, or a generator spec the workers expand themselves (streamed, never held). */
export type Dataset = RecordsDataset | GeneratedDataset;

export function datasetSize(dataset: Dataset, datasetKey: string): number {
  if (dataset.kind === 'records') return dataset.records[datasetKey]?.length ?? 0;
  const n = (dataset.spec as unknown as Record<string, number>)[datasetKey];
  return typeof n === 'number' ? n : 0;
}
