import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DistdbError, errorMessage } from '../../errors.js';
import { shopSchema } from '../../examples/shop/schema.js';
import type { AnyModel } from '../../models/model.js';
import { type DuplicateKey, type ParsedJson, parseJsonText } from '../../util/jsonText.js';
import { typeName } from '../../util/text.js';
import type { RecordsDataset, Rejection } from './dataset.js';

/**
 * Reads `{"<table>": [...], …}`: each model's records under its table's name. The file is read exactly: bytes
 * that are not UTF-8 are refused (naming the offset), a BOM is skipped, number literals keep
 * their exact value, and a key written twice in a record makes that record fail. The file's
 * shape is checked here (a bad file is one error, nothing written); the records themselves are
 * validated later, one outcome each.
 */
export function loadDatasetFile(
  path: string,
  models: readonly AnyModel[] = shopSchema.models,
): RecordsDataset {
  const fail = (problem: string, cause?: unknown): never => {
    throw new DistdbError('dataset', `dataset ${path}: ${problem}`, { cause });
  };
  const bytes = readBytes(path, fail);
  const parsed = parse(bytes, fail);
  if (!parsed.ok) {
    return fail(
      parsed.message.startsWith('invalid UTF-8') ? parsed.message : `not valid JSON: ${parsed.message}`,
    );
  }
  const data = parsed.value;
  const keys = models.map((m) => m.datasetKey);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    fail(`expected an object with ${listed(keys)} arrays, got ${typeName(data)}`);
  }
  const records: Record<string, unknown[]> = {};
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (!keys.includes(key)) fail(`unknown key "${key}" (expected ${keys.join(', ')})`);
    if (!Array.isArray(value)) fail(`"${key}" must be an array, got ${typeName(value)}`);
    records[key] = value as unknown[];
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return {
    kind: 'records',
    name: path,
    records,
    ...rejectionsOf(parsed.duplicateKeys, fail),
    origin: { kind: 'file', path: resolve(path), sha256 },
  };
}

/** "users", "products" and/or "orders" */
function listed(keys: readonly string[]): string {
  const quoted = keys.map((k) => `"${k}"`);
  if (quoted.length < 2) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} and/or ${quoted.at(-1)}`;
}

function readBytes(path: string, fail: (problem: string, cause?: unknown) => never): Buffer {
  try {
    if (!statSync(path).isFile()) fail('not a file');
    return readFileSync(path);
  } catch (err) {
    if (err instanceof DistdbError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    return fail(code === 'ENOENT' ? 'file not found' : `cannot read (${errorMessage(err)})`, err);
  }
}

function parse(bytes: Buffer, fail: (problem: string, cause?: unknown) => never): ParsedJson {
  try {
    return parseJsonText(bytes);
  } catch (err) {
    // Text longer than a JavaScript string can be.
    return fail(`too large to read (${errorMessage(err)})`, err);
  }
}

/**
 * Keys written twice: in the file's top object the file is refused (which list is meant?);
 * anywhere in a record, that record fails, naming the key.
 */
function rejectionsOf(
  duplicates: readonly DuplicateKey[],
  fail: (problem: string) => never,
): { rejected?: Record<string, Map<number, Rejection>> } {
  if (duplicates.length === 0) return {};
  const rejected: Record<string, Map<number, Rejection>> = {};
  for (const d of duplicates) {
    const [key, index] = d.path;
    if (typeof key !== 'string' || typeof index !== 'number') {
      return fail(`key "${d.key}" appears more than once (line ${d.line}, column ${d.column})`);
    }
    const map = rejected[key] ?? new Map<number, Rejection>();
    rejected[key] = map;
    if (map.has(index)) continue;
    const where = d.path.length > 2 ? ` in ${d.path.slice(2).join('.')}` : '';
    map.set(index, {
      code: 'repeated_field',
      message: `field "${d.key}"${where} appears more than once (line ${d.line}, column ${d.column})`,
    });
  }
  return { rejected };
}
