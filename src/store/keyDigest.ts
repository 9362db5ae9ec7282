import type { Row, SqlValue } from '../db/dialect.js';
import { type KeyColumn, keyColumnsOf, type TableDef } from '../schema/tableDef.js';

/**
 * The unique-key values a batch is about to insert, as sorted 53-bit hashes: enough to tell
 * rows that certainly share no key with another batch from rows that might. Equal keys always
 * hash equal; a hash collision only makes a row look as if it might conflict, which is safe.
 * `undefined` means "cannot tell" (a key this module does not compare exactly as the server
 * does): such a batch is taken to share keys with any other. Text is compared as a backend
 * with `overlappingWrites` compares it: exactly, or through lower() where case-insensitive.
 */
export type KeyDigest = Float64Array | undefined;

const INTEGER_TEXT = /^-?\d+$/;

/** A key column and the seed that keeps its hashes apart from the other columns'. */
interface DigestColumn extends KeyColumn {
  readonly tag: number;
}

function digestColumns(table: TableDef): DigestColumn[] {
  return keyColumnsOf(table).map((k, i) => ({ ...k, tag: i + 1 }));
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** cyrb53: a fast 53-bit string hash; `seed` keeps the key columns apart. */
function hashText(s: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The value as the server compares it, hashed; `null` when that cannot be told here. */
function hashKey(key: DigestColumn, value: SqlValue): number | null {
  switch (key.column.type.kind) {
    case 'integer':
    case 'bigint':
    case 'serial': {
      // The server compares integers by value: 7, "7" and "007" are one key.
      if (typeof value === 'number')
        return Number.isSafeInteger(value) ? hashText(String(value), key.tag) : null;
      const text = String(value);
      return INTEGER_TEXT.test(text) ? hashText(BigInt(text).toString(), key.tag) : null;
    }
    case 'varchar':
    case 'text': {
      const text = String(value);
      if (!key.fold) return hashText(text, key.tag);
      // Case folding beyond ASCII depends on the server and its collation (a Kelvin sign folds
      // to "k"): such a key is not compared here.
      return !isAscii(text) ? null : hashText(text.toLowerCase(), key.tag);
    }
    default:
      return null;
  }
}

/** A batch's keys: per row (`perRow` hashes each, NaN for none), and all of them sorted. */
export interface BatchKeys {
  readonly perRow: number;
  readonly rowKeys: Float64Array;
  readonly digest: Float64Array;
}

/** The keys of the rows a batch inserts, in order; undefined if one cannot be compared here. */
export function batchKeys(table: TableDef, rows: readonly Row[]): BatchKeys | undefined {
  const keys = digestColumns(table);
  const rowKeys = new Float64Array(rows.length * keys.length).fill(Number.NaN);
  const all = new Float64Array(rows.length * keys.length);
  let n = 0;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as Row;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k] as DigestColumn;
      const value = row[key.column.name];
      // NULL never conflicts; a serial left to the database gets a fresh value.
      if (value === undefined || value === null) continue;
      const h = hashKey(key, value);
      if (h === null) return undefined;
      rowKeys[r * keys.length + k] = h;
      all[n++] = h;
    }
  }
  return { perRow: keys.length, rowKeys, digest: all.slice(0, n).sort() };
}

function has(sorted: Float64Array, x: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid] as number;
    if (v === x) return true;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * Which rows must wait until the previous batch has committed (1) and which may be written
 * before (0): a row that may share a key with the previous batch (`previous`, its digest, or
 * undefined for "any key"), and every later row of this batch that may share a key with such a
 * row, so that rows sharing a key still reach the database in dataset order.
 */
export function deferredRows(keys: BatchKeys | undefined, rowCount: number, previous: KeyDigest): Uint8Array {
  const deferred = new Uint8Array(rowCount);
  if (keys === undefined || previous === undefined) return deferred.fill(1);
  const held = new Set<number>();
  for (let r = 0; r < rowCount; r++) {
    let wait = false;
    for (let k = r * keys.perRow; k < (r + 1) * keys.perRow && !wait; k++) {
      const h = keys.rowKeys[k] as number;
      if (!Number.isNaN(h) && (has(previous, h) || held.has(h))) wait = true;
    }
    if (!wait) continue;
    deferred[r] = 1;
    for (let k = r * keys.perRow; k < (r + 1) * keys.perRow; k++) {
      const h = keys.rowKeys[k] as number;
      if (!Number.isNaN(h)) held.add(h);
    }
  }
  return deferred;
}
