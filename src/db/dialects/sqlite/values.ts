import type { Row, SqlValue } from '../../dialect.js';

/** Integers read as bigints (safeIntegers) become numbers wherever a number holds them exactly. */
export function safeNumbers(rows: Row[]): Row[] {
  for (const row of rows) {
    for (const key in row) {
      const v = row[key];
      if (typeof v === 'bigint' && v >= MIN_SAFE && v <= MAX_SAFE) row[key] = Number(v);
    }
  }
  return rows;
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A JSON array of values; bigints as their digits, which json_each reads as exact integers. */
export function jsonArray(values: readonly SqlValue[]): string {
  if (!values.some((v) => typeof v === 'bigint')) return JSON.stringify(values);
  return `[${values.map((v) => (typeof v === 'bigint' ? String(v) : JSON.stringify(v))).join(',')}]`;
}
