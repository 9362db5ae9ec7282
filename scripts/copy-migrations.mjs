// Copies the shop demo's migration files next to its compiled schema (tsc copies only code).
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const from = join(import.meta.dirname, '../src/examples/shop/migrations');
const to = join(import.meta.dirname, '../dist/examples/shop/migrations');
mkdirSync(to, { recursive: true });
for (const name of readdirSync(from))
  if (name.endsWith('.json')) copyFileSync(join(from, name), join(to, name));
