// Copies the example schemas' migration files next to their compiled code (tsc copies only code).
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

for (const example of ['shop', 'stock']) {
  const from = join(import.meta.dirname, `../src/examples/${example}/migrations`);
  if (!existsSync(from)) continue;
  const to = join(import.meta.dirname, `../dist/examples/${example}/migrations`);
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from))
    if (name.endsWith('.json')) copyFileSync(join(from, name), join(to, name));
}
