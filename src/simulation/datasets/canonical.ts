import type { Schema } from '../../config/config.js';
import { DistdbError } from '../../errors.js';
import { shopSchema } from '../../examples/shop/schema.js';
import type { RecordsDataset } from './dataset.js';

/** The schema's fixed sample (`--dataset canonical`): for the shop, the original demo's 30 records. */
export function canonicalDataset(schema: Pick<Schema, 'canonical'> = shopSchema): RecordsDataset {
  if (!schema.canonical) {
    throw new DistdbError(
      'usage',
      'this schema has no canonical dataset: pass --dataset FILE or --dataset generated',
    );
  }
  return {
    kind: 'records',
    name: 'canonical',
    origin: { kind: 'canonical' },
    records: Object.fromEntries(Object.entries(schema.canonical).map(([k, v]) => [k, [...v]])),
  };
}
