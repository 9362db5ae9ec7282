/**
 * Number literals of JSON text. A literal stays a JS number only when the double it parses to
 * means exactly the literal's value; any other literal is kept as its text in a String object,
 * which no JSON value can be (JSON strings are primitives) and which survives structured cloning.
 */

/** A number literal that no double represents exactly, as returned by `parseJsonText`. */
// biome-ignore lint/complexity/noBannedTypes: the String object is the point: it marks the literal
export function isInexactNumber(v: unknown): v is String {
  // Not `instanceof`: the value may come from another realm (a worker, a vm context).
  return typeof v === 'object' && v !== null && Object.prototype.toString.call(v) === '[object String]';
}

/** The literal's text, exactly as written in the JSON. */
// biome-ignore lint/complexity/noBannedTypes: see isInexactNumber
export function inexactNumberText(v: String): string {
  return String.prototype.valueOf.call(v);
}

const LITERAL = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** Significant digits without leading or trailing zeros ('' for zero), and the power of ten of the last. */
function decimal(text: string): { digits: string; exponent: number } {
  const m = LITERAL.exec(text);
  if (m === null) throw new Error(`not a number literal: ${text}`);
  const [, int = '', fraction = '', exp = '0'] = m;
  const all = (int + fraction).replace(/^0+/, '');
  const digits = all.replace(/0+$/, '');
  return { digits, exponent: Number(exp) - fraction.length + (all.length - digits.length) };
}

/**
 * The value of a literal the parser did not already know to be exact: the number when its
 * shortest round-trip text (Number#toString) has the literal's exact value, else the literal.
 * Infinity and an underflow to zero of a non-zero literal are inexact too.
 */
// biome-ignore lint/complexity/noBannedTypes: see isInexactNumber
export function numberOrLiteral(text: string): number | String {
  const n = Number(text);
  const literal = decimal(text);
  if (n === 0 && literal.digits === '') return n;
  if (Number.isFinite(n) && n !== 0) {
    const shortest = decimal(String(Math.abs(n)));
    if (shortest.digits === literal.digits && shortest.exponent === literal.exponent) return n;
  }
  return new String(text);
}
