export function typeName(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Length in code points (what char_length and VARCHAR(n) count), without splitting the string
 * when it holds no surrogates, the usual case.
 */
export function codePoints(s: string): number {
  return SURROGATE.test(s) ? [...s].length : s.length;
}

/** Shortens a value quoted in a message, so a 10 KB input does not make a 10 KB line. */
export function truncate(s: string, max = 40): string {
  const chars = [...s];
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : s;
}
