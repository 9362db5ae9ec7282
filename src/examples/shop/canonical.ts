const users: [number, string, string][] = [
  [1, 'Alice', 'alice@example.com'],
  [2, 'Bob', 'bob@example.com'],
  [3, 'Charlie', 'charlie@example.com'],
  [4, 'David', 'david@example.com'],
  [5, 'Eve', 'eve@example.com'],
  [6, 'Frank', 'frank@example.com'],
  [7, 'Grace', 'grace@example.com'],
  [8, 'Alice', 'alice@example.com'],
  [9, 'Henry', 'henry@example.com'],
  [10, '', 'jane@example.com'],
];
const products: [number, string, string][] = [
  [1, 'Laptop', '1000.00'],
  [2, 'Smartphone', '700.00'],
  [3, 'Headphones', '150.00'],
  [4, 'Monitor', '300.00'],
  [5, 'Keyboard', '50.00'],
  [6, 'Mouse', '30.00'],
  [7, 'Laptop', '1000.00'],
  [8, 'Smartwatch', '250.00'],
  [9, 'Gaming Chair', '500.00'],
  [10, 'Earbuds', '-50.00'],
];
const orders: [number, number, number, number][] = [
  [1, 1, 1, 2],
  [2, 2, 2, 1],
  [3, 3, 3, 5],
  [4, 4, 4, 1],
  [5, 5, 5, 3],
  [6, 6, 6, 4],
  [7, 7, 7, 2],
  [8, 8, 8, 0],
  [9, 9, 1, -1],
  [10, 10, 11, 2],
];

/** The original demo's 30 records, with its deliberate mistakes, keyed by table. */
export const canonicalRecords: Readonly<Record<string, readonly unknown[]>> = {
  users: users.map(([id, name, email]) => ({ id, name, email })),
  products: products.map(([id, name, price]) => ({ id, name, price })),
  orders: orders.map(([id, user_id, product_id, quantity]) => ({ id, user_id, product_id, quantity })),
};
