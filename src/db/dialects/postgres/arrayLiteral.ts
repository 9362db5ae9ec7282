import type { SqlValue } from '../../dialect.js';

const NEEDS_ESCAPE = /[\\"]/;
const ESCAPED = /[\\"]/g;

/**
 * The text form of a one-dimensional array parameter (`{1,"a b",NULL}`), built in one pass.
 * pg would build the same text, but quotes and regex-escapes every element on the way, which
 * at a batch of ten thousand rows costs more than the insert's own encoding. Strings are always
 * quoted (so "NULL", "" and spaces stay strings); numbers need no quoting.
 */
export function arrayLiteral(values: readonly (SqlValue | undefined)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    if (v === null || v === undefined) out += 'NULL';
    else if (typeof v === 'string') out += `"${NEEDS_ESCAPE.test(v) ? v.replace(ESCAPED, '\\$&') : v}"`;
    else out += String(v);
  }
  return `${out}}`;
}
