import { inexactNumberText, isInexactNumber } from './jsonNumber.js';

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array';
  if (isInexactNumber(v)) return 'a number';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** A number literal as written, for messages: a double's text, or the exact text it could not hold. */
export function numberText(v: unknown): string | undefined {
  if (typeof v === 'number') return String(v);
  return isInexactNumber(v) ? inexactNumberText(v) : undefined;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Length in code points (what char_length and VARCHAR(n) count), counted in place: no string
 * is split (a long text of emoji would otherwise become an array of millions of strings).
 */
export function codePoints(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++, n++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n;
}

/** Shortens a value quoted in a message, so a 10 KB input does not make a 10 KB line. */
export function truncate(s: string, max = 40): string {
  // Only the first max + 1 code points are looked at, however long the text.
  const head: string[] = [];
  for (const ch of s) {
    head.push(ch);
    if (head.length > max) return `${head.slice(0, max).join('')}…`;
  }
  return s;
}
