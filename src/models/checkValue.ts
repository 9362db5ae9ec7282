import { digitCount, type MinorUnits, parseDecimal } from '../schema/decimal.js';
import { codePoints, numberText, truncate, typeName } from '../util/text.js';
import type { FieldKind } from './model.js';
import { rawTextLimit } from './modelTable.js';
import { parseTimestamp } from './timestamp.js';

/** A value in storage form: decimals as minor units, booleans as 0/1, timestamps as UTC ISO text. */
export type StoredValue = string | number | bigint | null;

/** What is wrong with a value. A value that passes comes back bare, with no object around it. */
export class Invalid {
  // So that a plain `{ error }` object is not taken for one.
  readonly kind = 'invalid';
  constructor(readonly error: string) {}
}

export type Checked = StoredValue | Invalid;

const EMAIL =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

export function describe(v: unknown): string {
  if (typeof v === 'string') return `"${truncate(v)}"`;
  const n = numberText(v);
  return n === undefined ? typeName(v) : truncate(n);
}

function isPositiveId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

/** A string any backend stores as given: no NUL, no lone surrogate. */
function textProblem(name: string, v: unknown): string | undefined {
  if (typeof v !== 'string') return `${name} must be a string, got ${typeName(v)}`;
  if (v.includes('\u0000')) return `${name} must not contain NUL characters`;
  if (!v.isWellFormed()) return `${name} must be valid Unicode text`;
  return undefined;
}

type Kind<K extends FieldKind['kind']> = Extract<FieldKind, { kind: K }>;

function checkInteger(name: string, type: Kind<'integer'>, v: unknown): Checked {
  if (typeof v !== 'number' || !Number.isInteger(v))
    return new Invalid(`${name} must be an integer, got ${describe(v)}`);
  if (!Number.isSafeInteger(v)) return new Invalid(`${name} ${describe(v)} is out of range`);
  if ((type.min !== undefined && v < type.min) || (type.max !== undefined && v > type.max)) {
    return new Invalid(`${name} must be ${rangeText(type.min, type.max)}, got ${v}`);
  }
  return v;
}

/** `between 1 and 5`, `at least 1` or `at most 5`: the bounds a value broke. */
function rangeText(min: number | string | undefined, max: number | string | undefined): string {
  if (min === undefined) return `at most ${max}`;
  return max === undefined ? `at least ${min}` : `between ${min} and ${max}`;
}

function checkText(name: string, type: Kind<'text'>, v: unknown): Checked {
  const problem = textProblem(name, v);
  if (problem) return new Invalid(problem);
  const s = v as string;
  const length = codePoints(type.trim ? s.trim() : s);
  const after = type.trim ? ' after trimming' : '';
  if (length < type.minLength) {
    return new Invalid(`${name} must have at least ${type.minLength} characters${after}, got ${length}`);
  }
  // Trimmed text may carry padding up to the column's limit, never beyond it.
  const rawMax = rawTextLimit(type);
  if (
    (type.maxLength !== undefined && length > type.maxLength) ||
    (type.trim && rawMax !== undefined && codePoints(s) > rawMax)
  ) {
    return new Invalid(`${name} must have at most ${type.maxLength} characters, got ${length}`);
  }
  if (type.pattern !== undefined && !patternOf(type.pattern).test(s)) {
    return new Invalid(`${name} ${describe(s)} does not match ${truncate(type.pattern)}`);
  }
  return s;
}

const patterns = new Map<string, RegExp>();
function patternOf(source: string): RegExp {
  let re = patterns.get(source);
  if (!re) {
    re = new RegExp(source, 'u');
    patterns.set(source, re);
  }
  return re;
}

function checkEmail(name: string, type: Kind<'email'>, v: unknown): Checked {
  if (typeof v !== 'string') return new Invalid(`${name} must be a string, got ${typeName(v)}`);
  if (v.length > type.maxLength) return new Invalid(`${name} must have at most ${type.maxLength} characters`);
  if (!EMAIL.test(v) || v.indexOf('@') > 64) {
    return new Invalid(`${name} ${describe(v)} is not a valid address (local@domain.tld)`);
  }
  return v;
}

type DecimalBounds = { min?: MinorUnits; max?: MinorUnits };
const bounds = new WeakMap<Kind<'decimal'>, DecimalBounds>();

/** A decimal field's bounds in minor units, parsed once per field. */
function decimalBounds(type: Kind<'decimal'>): DecimalBounds {
  let b = bounds.get(type);
  if (!b) {
    const parse = (text: string | undefined) => {
      if (text === undefined) return undefined;
      const r = parseDecimal(text, type.scale);
      return 'minor' in r ? r.minor : undefined;
    };
    b = { min: parse(type.min), max: parse(type.max) };
    bounds.set(type, b);
  }
  return b;
}

function checkDecimal(name: string, type: Kind<'decimal'>, v: unknown): Checked {
  const parsed = parseDecimal(v, type.scale);
  if ('error' in parsed) return new Invalid(`${name} ${parsed.error}`);
  const { min, max } = decimalBounds(type);
  if ((min !== undefined && parsed.minor < min) || (max !== undefined && parsed.minor > max)) {
    return new Invalid(`${name} must be ${rangeText(type.min, type.max)}, got ${describe(v)}`);
  }
  if (digitCount(parsed.minor) > type.precision) {
    const places = type.precision - type.scale;
    return new Invalid(`${name} ${describe(v)} has more than ${places} digits before the decimal point`);
  }
  return parsed.minor;
}

/** The value in storage form, or a message saying what is wrong with it (never throws). */
export function checkValue(name: string, type: FieldKind, v: unknown): Checked {
  switch (type.kind) {
    case 'id':
    case 'reference':
      return isPositiveId(v) ? v : new Invalid(`${name} must be a positive integer, got ${describe(v)}`);
    case 'integer':
      return checkInteger(name, type, v);
    case 'text':
      return checkText(name, type, v);
    case 'email':
      return checkEmail(name, type, v);
    case 'decimal':
      return checkDecimal(name, type, v);
    case 'boolean':
      if (typeof v !== 'boolean') return new Invalid(`${name} must be true or false, got ${describe(v)}`);
      return v ? 1 : 0;
    case 'timestamp': {
      const t = parseTimestamp(v);
      return 'iso' in t ? t.iso : new Invalid(`${name} ${t.error}`);
    }
    case 'enum':
      return typeof v === 'string' && type.values.includes(v)
        ? v
        : new Invalid(
            `${name} must be one of ${type.values.map((x) => `"${x}"`).join(', ')}, got ${describe(v)}`,
          );
  }
}
