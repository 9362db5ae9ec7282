import type { Row } from '../db/dialect.js';
import { decimalToMinorUnits, parseDecimal } from '../schema/decimal.js';
import { codePoints, numberText, truncate, typeName } from '../util/text.js';
import { MAX_RAW_NAME } from './defineModel.js';
import type { Issue } from './failureCodes.js';
import type { FieldDef, FieldKind, Model } from './model.js';
import { recordBoundProblem } from './recordBounds.js';

/** Every field that passed its own rules, in storage form, plus every problem found. */
export interface Validation {
  readonly row: Row;
  readonly issues: Issue[];
}

const EMAIL =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

function isPositiveId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `"${truncate(v)}"`;
  const n = numberText(v);
  return n === undefined ? typeName(v) : truncate(n);
}

type DecimalKind = Extract<FieldKind, { kind: 'decimal' }>;
const bounds = new WeakMap<DecimalKind, { min: number; max: number }>();

/** A decimal field's bounds in minor units, parsed once per field. */
function decimalBounds(type: DecimalKind): { min: number; max: number } {
  let b = bounds.get(type);
  if (!b) {
    b = { min: decimalToMinorUnits(type.min, type.scale), max: decimalToMinorUnits(type.max, type.scale) };
    bounds.set(type, b);
  }
  return b;
}

/** Returns the stored value, or a message saying what is wrong with it. */
function checkValue(
  name: string,
  type: FieldKind,
  v: unknown,
): { value: string | number } | { error: string } {
  if (v === undefined || v === null) return { error: `${name} is required` };
  switch (type.kind) {
    case 'id':
    case 'reference':
      return isPositiveId(v)
        ? { value: v }
        : { error: `${name} must be a positive integer, got ${describe(v)}` };
    case 'integer':
      if (typeof v !== 'number' || !Number.isInteger(v))
        return { error: `${name} must be an integer, got ${describe(v)}` };
      if (v < type.min || v > type.max)
        return { error: `${name} must be between ${type.min} and ${type.max}, got ${v}` };
      return { value: v };
    case 'name': {
      if (typeof v !== 'string') return { error: `${name} must be a string, got ${typeName(v)}` };
      if (v.includes('\u0000')) return { error: `${name} must not contain NUL characters` };
      // A lone surrogate is not text any database can store as given.
      if (!v.isWellFormed()) return { error: `${name} must be valid Unicode text` };
      const length = codePoints(v.trim());
      if (length < type.minTrimmed) {
        return {
          error: `${name} must have at least ${type.minTrimmed} characters after trimming, got ${length}`,
        };
      }
      if (length > type.maxTrimmed || codePoints(v) > MAX_RAW_NAME) {
        return { error: `${name} must have at most ${type.maxTrimmed} characters, got ${length}` };
      }
      return { value: v };
    }
    case 'email':
      if (typeof v !== 'string') return { error: `${name} must be a string, got ${typeName(v)}` };
      if (v.length > type.maxLength)
        return { error: `${name} must have at most ${type.maxLength} characters` };
      if (!EMAIL.test(v) || v.indexOf('@') > 64) {
        return { error: `${name} ${describe(v)} is not a valid address (local@domain.tld)` };
      }
      return { value: v };
    case 'decimal': {
      const parsed = parseDecimal(v, type.scale);
      if ('error' in parsed) return { error: `${name} ${parsed.error}` };
      const { min, max } = decimalBounds(type);
      if (parsed.minor < min || parsed.minor > max) {
        return { error: `${name} must be between ${type.min} and ${type.max}, got ${describe(v)}` };
      }
      return { value: parsed.minor };
    }
  }
}

function validateField(field: FieldDef, v: unknown): { value: string | number } | Issue {
  const r = checkValue(field.name, field.type, v);
  return 'error' in r ? { code: field.invalidCode, field: field.name, message: r.error } : r;
}

/** Application-level validation of one input record against a model; never throws. */
export function validateRecord(model: Model, input: unknown): Validation {
  const row: Row = {};
  const issues: Issue[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    const first = model.fields[0];
    issues.push({
      code: first?.invalidCode ?? 'invalid_id',
      field: first?.name ?? 'id',
      message: `record must be an object, got ${typeName(input)}`,
    });
    return { row, issues };
  }
  const bound = recordBoundProblem(input);
  if (bound) return { row, issues: [{ ...bound, field: '' }] };
  const record = input as Record<string, unknown>;
  for (const field of model.fields) {
    const r = validateField(field, record[field.name]);
    if ('code' in r) issues.push(r);
    else row[field.name] = r.value;
  }
  return { row, issues };
}

/** The record's id as given, for reports (null when it has none usable; a long one shortened). */
export function recordId(input: unknown): string | number | null {
  if (typeof input !== 'object' || input === null) return null;
  const id = (input as Record<string, unknown>).id;
  if (typeof id === 'number') return id;
  const text = typeof id === 'string' ? id : numberText(id);
  return text === undefined ? null : truncate(text, 100);
}
