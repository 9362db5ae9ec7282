import type { AnyModel } from '../../models/model.js';
import type { Dataset } from '../datasets/dataset.js';
import type { RecordGenerator } from '../datasets/generator.js';
import type { RejectedRecord } from '../messages.js';
import { batchesOf, type RunPlan } from '../plan.js';

/** One record of a model as the dataset gives it: refused already as read, or to be written. */
export type DatasetRecord =
  | { readonly index: number; readonly rejected: RejectedRecord }
  | {
      readonly index: number;
      readonly record: unknown;
      readonly rejected?: undefined;
      /** For generated records: the outcome the generator intends (`ok` or a code). */
      readonly intended?: string;
    };

/**
 * A model's records in dataset order (`index` counts within the model), cut as the run's
 * batches are, so records refused as read are refused the same way; a generated dataset is
 * produced slice by slice, never held whole.
 */
export function* modelRecords(
  model: AnyModel,
  dataset: Dataset,
  plan: RunPlan,
  generator: RecordGenerator | undefined,
): Generator<DatasetRecord> {
  for (const task of batchesOf(model, dataset, plan, 0)) {
    const generated =
      task.generate && generator ? generator.range(model, task.firstIndex, task.generate.count) : undefined;
    const records = task.records ?? generated?.map((g) => g.record) ?? [];
    const rejected = new Map((task.rejected ?? []).map((r) => [r.index, r]));
    for (let i = 0; i < records.length; i++) {
      const refused = rejected.get(i);
      const index = task.firstIndex + i;
      const intended = generated?.[i]?.expected;
      if (refused) yield { index, rejected: { ...refused, index } };
      else yield { index, record: records[i], ...(intended ? { intended } : {}) };
    }
  }
}
