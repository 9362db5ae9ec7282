import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DistdbError, errorMessage } from '../../errors.js';
import { MODELS } from '../../models/models.js';
import { typeName } from '../../util/text.js';
import type { RecordsDataset } from './dataset.js';

/**
 * Reads `{"users": [...], "products": [...], "orders": [...]}`. The file's shape is checked here
 * (a bad file is one error, nothing written); the records themselves are validated later, one
 * outcome each.
 */
export function loadDatasetFile(path: string): RecordsDataset {
  const fail = (problem: string, cause?: unknown): never => {
    throw new DistdbError('dataset', `dataset ${path}: ${problem}`, { cause });
  };
  let text = '';
  try {
    if (!statSync(path).isFile()) fail('not a file');
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof DistdbError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    fail(code === 'ENOENT' ? 'file not found' : `cannot read (${errorMessage(err)})`, err);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    fail(`not valid JSON (${errorMessage(err)})`, err);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    fail(`expected an object with "users", "products" and/or "orders" arrays, got ${typeName(data)}`);
  }
  const keys = MODELS.map((m) => m.datasetKey);
  const records: Record<string, unknown[]> = {};
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (!keys.includes(key)) fail(`unknown key "${key}" (expected ${keys.join(', ')})`);
    if (!Array.isArray(value)) fail(`"${key}" must be an array, got ${typeName(value)}`);
    records[key] = value as unknown[];
  }
  const sha256 = createHash('sha256').update(text).digest('hex');
  return { kind: 'records', name: path, records, origin: { kind: 'file', path: resolve(path), sha256 } };
}
