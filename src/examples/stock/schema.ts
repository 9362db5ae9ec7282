import { fileURLToPath } from 'node:url';
import type { Schema } from '../../config/config.js';
import { STOCK_SHOP_MODELS } from './models.js';

/** The stock shop as a schema (records generated from its fields): see `simulate --atomic`. */
export const stockShopSchema: Schema = {
  models: STOCK_SHOP_MODELS,
  migrations: fileURLToPath(new URL('./migrations/', import.meta.url)),
};
