import type { FailureCode } from '../../models/failureCodes.js';
import { type GeneratedDataset, normalizeSpec, type ShopSpec } from './generator.js';

/** Why a record of a dataset file failed before it could be validated (a key written twice, say). */
export interface Rejection {
  readonly code: FailureCode;
  readonly message: string;
}

/** Records held in memory, keyed by the model's dataset key (its table). */
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
  return dataset.spec.counts[datasetKey] ?? 0;
}

/** A dataset as given to `simulate`: a generator spec may still be in the shop's form. */
export type DatasetInput =
  | Dataset
  | { readonly kind: 'generated'; readonly name: string; readonly spec: ShopSpec };

/** The dataset with a generator spec as counts per table. */
export function normalizedDataset(dataset: DatasetInput): Dataset {
  if (dataset.kind !== 'generated') return dataset;
  return { kind: 'generated', name: dataset.name, spec: normalizeSpec(dataset.spec) };
}
