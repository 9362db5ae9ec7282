// The stock shop (products with a stock, orders drawing on it) over SQLite, PostgreSQL and
// MariaDB: `distdb simulate --atomic --dataset generated` inserts each order and takes its
// quantity off its product's stock in one transaction across the two servers.
import { stockShopSchema } from 'distdb';

export const models = stockShopSchema.models;
export const migrations = stockShopSchema.migrations;

export const databases = {
  default: 'sqlite:./data/stock-default.db',
  users: 'sqlite:./data/stock-users.db',
  products: 'postgres://postgres@127.0.0.1:5432/distdb_stock_products',
  orders: 'mysql://root@127.0.0.1:3306/distdb_stock_orders',
};
