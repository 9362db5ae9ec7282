import type { GeneratedDataset } from './generated.js';

/** Records held in memory, keyed by the model's dataset key (users, products, orders). */
export interface RecordsDataset {
  readonly kind: 'records';
  readonly name: string;
  readonly records: Readonly<Record<string, readonly unknown[]>>;
}

/** Either records in memory, or a generator spec the workers expand themselves (streamed, never held). */
export type Dataset = RecordsDataset | GeneratedDataset;

export function datasetSize(dataset: Dataset, datasetKey: string): number {
  if (dataset.kind === 'records') return dataset.records[datasetKey]?.length ?? 0;
  const n = (dataset.spec as unknown as Record<string, number>)[datasetKey];
  return typeof n === 'number' ? n : 0;
}
