/**
 * Exact decimals as integer minor units (cents for scale 2). Prices never pass through floating
 * point arithmetic: numbers are read from their shortest decimal representation.
 */
import { inexactNumberText, isInexactNumber } from '../util/jsonNumber.js';
import { truncate, typeName } from '../util/text.js';

const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * Parses a decimal string or number (or a JSON number literal no double holds, by its exact
 * text); an error when it is not a plain decimal with at most `scale` places.
 */
export function parseDecimal(input: unknown, scale: number): { minor: number } | { error: string } {
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
  if (digits.length > 13) return { error: `${truncate(text)} is out of range` };
  const minor = Number(digits) * 10 ** scale + Number(frac.padEnd(scale, '0') || '0');
  return { minor: negative ? -minor : minor };
}

export function decimalToMinorUnits(text: string, scale: number): number {
  const r = parseDecimal(text, scale);
  if ('error' in r) throw new Error(`invalid decimal constant ${text}`);
  return r.minor;
}

export function formatMinorUnits(minor: number, scale: number): string {
  const negative = minor < 0;
  const abs = Math.abs(minor);
  const unit = 10 ** scale;
  const int = Math.floor(abs / unit);
  const frac = String(abs % unit).padStart(scale, '0');
  return `${negative ? '-' : ''}${int}${scale > 0 ? `.${frac}` : ''}`;
}
