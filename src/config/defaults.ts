/** The embedded deployment used when nothing is configured. */
export const DEFAULT_DATABASES: Readonly<Record<string, string>> = {
  default: 'sqlite:./data/default.db',
  users: 'sqlite:./data/users.db',
  products: 'sqlite:./data/products.db',
  orders: 'sqlite:./data/orders.db',
};

/** Model → alias. `Run` is distdb's own run history. */
export const DEFAULT_ROUTES: Readonly<Record<string, string>> = {
  User: 'users',
  Product: 'products',
  Order: 'orders',
  Run: 'default',
};

export const CONFIG_FILE_NAMES = [
  'distdb.config.json',
  'distdb.config.js',
  'distdb.config.mjs',
  'distdb.config.ts',
];

export const ALIAS = /^[a-z][a-z0-9_]{0,62}$/;
export const ALIAS_RULE = 'use lower-case letters, digits, _';
