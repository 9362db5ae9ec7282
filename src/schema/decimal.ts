/**
 * Exact decimals as integer minor units (cents for scale 2): a number while it is a safe
 * integer, a bigint beyond. Decimals never pass through floating point arithmetic: numbers are
 * read from their shortest decimal representation.
 */
import { inexactNumberText, isInexactNumber } from '../util/jsonNumber.js';
import { truncate, typeName } from '../util/text.js';

export type MinorUnits = number | bigint;

const DECIMAL = /^-?\d+(\.\d+)?$/;
/** Digits beyond what any backend stores (PostgreSQL's NUMERIC aside). */
const MAX_DIGITS = 100;

/**
 * Parses a decimal string or number (or a JSON number literal no double holds, by its exact
 * text); an error when it is not a plain decimal with at most `scale` places.
 */
export function parseDecimal(input: unknown, scale: number): { minor: MinorUnits } | { error: string } {
  let text: string;
  if (typeof input === 'number' || isInexactNumber(input)) {
    if (typeof input === 'number' && !Number.isFinite(input)) return { error: 'is not a finite number' };
    text = typeof input === 'number' ? String(input) : inexactNumberText(input);
    if (/e/i.test(text)) return { error: `${truncate(text)} is out of range` };
  } else if (typeof input === 'string') {
    text = input;
  } else {
    return {
      error:
        input === undefined || input === null
          ? 'is required'
          : `must be a number or a decimal string, not ${typeName(input)}`,
    };
  }
  if (!DECIMAL.test(text)) return { error: `"${truncate(text)}" is not a decimal number` };
  const negative = text.startsWith('-');
  const [intPart = '0', frac = ''] = (negative ? text.slice(1) : text).split('.');
  if (frac.length > scale) return { error: `${truncate(text)} has more than ${scale} decimal places` };
  const digits = intPart.replace(/^0+(?=\d)/, '');
  if (digits.length > MAX_DIGITS) return { error: `${truncate(text)} is out of range` };
  return { minor: toMinor(negative, digits, frac.padEnd(scale, '0')) };
}

function toMinor(negative: boolean, int: string, frac: string): MinorUnits {
  const all = `${int}${frac}`.replace(/^0+(?=\d)/, '');
  if (all.length <= 15) {
    const n = Number(all);
    return negative && n !== 0 ? -n : n;
  }
  const big = BigInt(all);
  const signed = negative ? -big : big;
  return Number.isSafeInteger(Number(signed)) ? Number(signed) : signed;
}

export function decimalToMinorUnits(text: string, scale: number): MinorUnits {
  const r = parseDecimal(text, scale);
  if ('error' in r) throw new Error(`invalid decimal constant ${text}`);
  return r.minor;
}

/** Digits of the value, ignoring sign and leading zeros (0 has one). */
export function digitCount(minor: MinorUnits): number {
  const s = String(minor);
  return s.startsWith('-') ? s.length - 1 : s.length;
}

export function formatMinorUnits(minor: MinorUnits, scale: number): string {
  const s = String(minor);
  const negative = s.startsWith('-');
  const digits = (negative ? s.slice(1) : s).padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${int}${scale > 0 ? `.${frac}` : ''}`;
}
