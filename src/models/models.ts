import { defineModel } from './defineModel.js';
import type { Model } from './model.js';

export interface User {
  id: number;
  name: string;
  email: string;
}
export interface Product {
  id: number;
  name: string;
  /** Exact decimal, e.g. "1000.00". */
  price: string;
}
export interface Order {
  id: number;
  user_id: number;
  product_id: number;
  quantity: number;
}

const nameField = {
  name: 'name',
  type: { kind: 'name', minTrimmed: 2, maxTrimmed: 100 },
  invalidCode: 'invalid_name',
} as const;
const idField = {
  name: 'id',
  type: { kind: 'id' },
  invalidCode: 'invalid_id',
  duplicateCode: 'duplicate_id',
} as const;

export const UserModel: Model<User> = defineModel<User>({
  name: 'user',
  label: 'User',
  table: 'users',
  datasetKey: 'users',
  fields: [
    idField,
    nameField,
    {
      name: 'email',
      type: { kind: 'email', maxLength: 254 },
      invalidCode: 'invalid_email',
      duplicateCode: 'duplicate_email',
    },
  ],
});

export const ProductModel: Model<Product> = defineModel<Product>({
  name: 'product',
  label: 'Product',
  table: 'products',
  datasetKey: 'products',
  fields: [
    idField,
    nameField,
    {
      name: 'price',
      type: { kind: 'decimal', precision: 10, scale: 2, min: '0.01', max: '999999.99' },
      invalidCode: 'invalid_price',
    },
  ],
});

export const OrderModel: Model<Order> = defineModel<Order>({
  name: 'order',
  label: 'Order',
  table: 'orders',
  datasetKey: 'orders',
  fields: [
    idField,
    {
      name: 'user_id',
      type: { kind: 'reference', model: 'User', unknownCode: 'unknown_user' },
      invalidCode: 'invalid_user_id',
    },
    {
      name: 'product_id',
      type: { kind: 'reference', model: 'Product', unknownCode: 'unknown_product' },
      invalidCode: 'invalid_product_id',
    },
    { name: 'quantity', type: { kind: 'integer', min: 1, max: 1000 }, invalidCode: 'invalid_quantity' },
  ],
});

/** Every application model, in dependency order: a model comes after the models it references. */
export const MODELS: readonly Model[] = [UserModel, ProductModel, OrderModel];

export function modelByLabel(label: string): Model | undefined {
  return MODELS.find((m) => m.label === label || m.name === label);
}
