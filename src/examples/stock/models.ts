import { defineModel, type InferRecord } from '../../models/defineModel.js';
import { f } from '../../models/fields.js';
import { ORDER_CODES, UserModel } from '../shop/models.js';

/**
 * The shop with a stock: each product holds how many are left, and an order draws its quantity
 * from its product's stock. `simulate --atomic` inserts each order and takes its quantity off the
 * product in one transaction across the orders' and the products' databases.
 */
export const StockedProductModel = defineModel({
  name: 'Product',
  table: 'products',
  fields: {
    id: f.id(),
    name: f.text({ minLength: 2, maxLength: 100, trim: true }),
    price: f.decimal({ precision: 10, scale: 2, min: '0.01', max: '999999.99' }),
    stock: f.integer({ min: 0, max: 5000 }),
  },
});

export const StockOrderModel = defineModel({
  name: 'Order',
  table: 'orders',
  fields: {
    id: f.id(),
    user_id: f.ref(UserModel),
    product_id: f.ref(StockedProductModel),
    quantity: f.integer({ min: 1, max: 1000 }),
  },
  codeOrder: ORDER_CODES,
});

export type StockedProduct = InferRecord<typeof StockedProductModel>;
export type StockOrder = InferRecord<typeof StockOrderModel>;

/** The stock shop's models, each after the models it references. */
export const STOCK_SHOP_MODELS = [UserModel, StockedProductModel, StockOrderModel] as const;
