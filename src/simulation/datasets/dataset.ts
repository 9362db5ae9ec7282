/** Records held in memory, keyed by the model's dataset key (users, products, orders). */
export interface RecordsDataset {
  readonly kind: 'records';
  readonly name: string;
  readonly records: Readonly<Record<string, readonly unknown[]>>;
}

export type Dataset = RecordsDataset;

export function datasetSize(dataset: Dataset, datasetKey: string): number {
  return dataset.records[datasetKey]?.length ?? 0;
}
