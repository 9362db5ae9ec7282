import type { Schema } from '../../config/config.js';
import { advisedError } from '../../errors.js';
import { shopSchema } from '../../examples/shop/schema.js';
import type { RecordsDataset } from './dataset.js';

/** The schema's fixed sample (`--dataset canonical`): for the shop, the original demo's 30 records. */
export function canonicalDataset(schema: Pick<Schema, 'canonical'> = shopSchema): RecordsDataset {
  if (!schema.canonical) {
    throw advisedError(
      'usage',
      'this schema has no canonical dataset',
      'no_canonical',
      'simulate a dataset file or a generated dataset',
    );
  }
  return {
    kind: 'records',
    name: 'canonical',
    origin: { kind: 'canonical' },
    records: Object.fromEntries(Object.entries(schema.canonical).map(([k, v]) => [k, [...v]])),
  };
}
