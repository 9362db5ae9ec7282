/**
 * An independent, deliberately simple statement of the validation rules (README "Models and
 * validation" and the issue), written without looking at how distdb implements them: plain
 * loops and comparisons, BigInt for decimal ranges, no shared regular expressions.
 *
 * - id, user_id, product_id: positive safe integers (JSON numbers).
 * - name: well-formed UTF-16 (no lone surrogates) without NUL, at most 1000 code points as given, 2..100 code points after
 *   String.prototype.trim.
 * - email: ASCII `local@domain.tld`, at most 254 characters, local part at most 64. Local part:
 *   dot-separated runs of RFC 5322 atext; domain: dot-separated labels of letters, digits and
 *   inner hyphens (1..63 each), the last one (the TLD) 2+ letters.
 * - price: a JSON number, or a string of optional "-", digits, optional "." and digits; at most
 *   2 decimals; 0.01 to 999999.99. A number is read as its shortest decimal form (String(n)).
 * - quantity: an integer (JSON number) from 1 to 1000.
 * - A value that is missing or null fails its field. A record that is not an object fails as
 *   invalid_id (it has no usable id; this is the README's "record with wrong types").
 */

export type Code =
  | 'unknown_field'
  | 'invalid_id'
  | 'invalid_name'
  | 'invalid_email'
  | 'invalid_price'
  | 'invalid_quantity'
  | 'invalid_user_id'
  | 'invalid_product_id';

export function refPositiveId(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= Number.MAX_SAFE_INTEGER;
}

export function refName(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0) return false;
    // A surrogate must be a high one followed by a low one.
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = v.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  const rawPoints = Array.from(v).length;
  const trimmedPoints = Array.from(v.trim()).length;
  return rawPoints <= 1000 && trimmedPoints >= 2 && trimmedPoints <= 100;
}

const ATEXT_SYMBOLS = "!#$%&'*+-/=?^_`{|}~";

function isLetter(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

export function refEmail(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  if (v.length > 254) return false;
  for (const c of v) if (c.charCodeAt(0) > 127) return false;
  const parts = v.split('@');
  if (parts.length !== 2) return false;
  const [local, domain] = parts as [string, string];
  if (local.length < 1 || local.length > 64) return false;
  for (const atom of local.split('.')) {
    if (atom.length === 0) return false;
    for (const c of atom) if (!isLetter(c) && !isDigit(c) && !ATEXT_SYMBOLS.includes(c)) return false;
  }
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  for (const label of labels) {
    if (label.length < 1 || label.length > 63) return false;
    if (label.startsWith('-') || label.endsWith('-')) return false;
    for (const c of label) if (!isLetter(c) && !isDigit(c) && c !== '-') return false;
  }
  const tld = labels[labels.length - 1] as string;
  if (tld.length < 2) return false;
  for (const c of tld) if (!isLetter(c)) return false;
  return true;
}

/** Exact cents of a plain decimal text, or undefined when it is not one with ≤ 2 decimals. */
function cents(text: string): bigint | undefined {
  let s = text;
  let negative = false;
  if (s.startsWith('-')) {
    negative = true;
    s = s.slice(1);
  }
  const dot = s.indexOf('.');
  const int = dot < 0 ? s : s.slice(0, dot);
  const frac = dot < 0 ? '' : s.slice(dot + 1);
  if (int.length === 0) return undefined;
  if (dot >= 0 && frac.length === 0) return undefined;
  for (const c of int + frac) if (!isDigit(c)) return undefined;
  if (frac.length > 2) return undefined;
  const value = BigInt(int) * 100n + BigInt(frac.padEnd(2, '0'));
  return negative ? -value : value;
}

export function refPrice(v: unknown): boolean {
  let text: string;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return false;
    text = String(v);
  } else if (typeof v === 'string') {
    text = v;
  } else {
    return false;
  }
  const c = cents(text);
  return c !== undefined && c >= 1n && c <= 99_999_999n;
}

export function refQuantity(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 1000;
}

function fields(record: unknown, checks: [string, (v: unknown) => boolean, Code][]): Set<Code> {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return new Set(['invalid_id']);
  const r = record as Record<string, unknown>;
  const out = new Set<Code>();
  for (const [field, ok, code] of checks) if (!Object.hasOwn(r, field) || !ok(r[field])) out.add(code);
  // A key the model does not declare is refused, naming it.
  if (Object.keys(r).some((key) => !checks.some(([field]) => field === key))) out.add('unknown_field');
  return out;
}

export function refUserCodes(record: unknown): Set<Code> {
  return fields(record, [
    ['id', refPositiveId, 'invalid_id'],
    ['name', refName, 'invalid_name'],
    ['email', refEmail, 'invalid_email'],
  ]);
}

export function refProductCodes(record: unknown): Set<Code> {
  return fields(record, [
    ['id', refPositiveId, 'invalid_id'],
    ['name', refName, 'invalid_name'],
    ['price', refPrice, 'invalid_price'],
  ]);
}

export function refOrderCodes(record: unknown): Set<Code> {
  return fields(record, [
    ['id', refPositiveId, 'invalid_id'],
    ['user_id', refPositiveId, 'invalid_user_id'],
    ['product_id', refPositiveId, 'invalid_product_id'],
    ['quantity', refQuantity, 'invalid_quantity'],
  ]);
}
