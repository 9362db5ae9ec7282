import { fileURLToPath } from 'node:url';
import type { Schema } from '../../config/config.js';
import { canonicalRecords } from './canonical.js';
import { SHOP_MODELS } from './models.js';

/** The shop demo as a schema: used when no models are configured. */
export const shopSchema: Schema = {
  models: SHOP_MODELS,
  migrations: fileURLToPath(new URL('./migrations/', import.meta.url)),
  generator: new URL('./generator.js', import.meta.url).href,
  canonical: canonicalRecords,
};
