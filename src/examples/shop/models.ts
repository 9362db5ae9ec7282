import { defineModel, type InferRecord } from '../../models/defineModel.js';
import { f } from '../../models/fields.js';

/**
 * The shop: the demo's users, products and orders, each in a database of its own, declared
 * with the same API as any application's models.
 */
export const UserModel = defineModel({
  name: 'User',
  table: 'users',
  fields: {
    id: f.id(),
    name: f.text({ minLength: 2, maxLength: 100, trim: true }),
    email: f.email({ maxLength: 254, unique: 'ci' }),
  },
});

export const ProductModel = defineModel({
  name: 'Product',
  table: 'products',
  fields: {
    id: f.id(),
    name: f.text({ minLength: 2, maxLength: 100, trim: true }),
    price: f.decimal({ precision: 10, scale: 2, min: '0.01', max: '999999.99' }),
  },
});

/** An order's failure codes in the demo's order: a bad quantity before a malformed reference. */
export const ORDER_CODES = [
  'invalid_id',
  'duplicate_id',
  'invalid_quantity',
  'invalid_user_id',
  'invalid_product_id',
  'unknown_user',
  'unknown_product',
] as const;

export const OrderModel = defineModel({
  name: 'Order',
  table: 'orders',
  fields: {
    id: f.id(),
    user_id: f.ref(UserModel),
    product_id: f.ref(ProductModel),
    quantity: f.integer({ min: 1, max: 1000 }),
  },
  codeOrder: ORDER_CODES,
});

export type User = InferRecord<typeof UserModel>;
export type Product = InferRecord<typeof ProductModel>;
export type Order = InferRecord<typeof OrderModel>;

/** The shop's models, each after the models it references. */
export const SHOP_MODELS = [UserModel, ProductModel, OrderModel] as const;
