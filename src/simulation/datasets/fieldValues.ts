import { DistdbError } from '../../errors.js';
import type { FieldDef, FieldKind } from '../../models/model.js';
import { decimalPlan } from './decimalValues.js';
import type { Rng } from './random.js';
import { type TextPlan, textPlan } from './textValues.js';
import { ASCII_WORDS } from './words.js';

/** A field left out of the record. */
export const ABSENT: unique symbol = Symbol('absent');

/** Draws the value record `index` holds when nothing is wrong with it. */
export type ValueFn = (rng: Rng, index: number) => unknown;

type Kind<K extends FieldKind['kind']> = Extract<FieldKind, { kind: K }>;

/** What a field's generated values are made of. */
export interface Values {
  readonly clean: ValueFn;
  /** Texts only: how to break the pattern alone. */
  readonly text?: TextPlan;
  /**
   * Clean values may still break the field's rules: texts of a pattern, which are found by
   * trying. Every other clean value is valid by construction.
   */
  readonly uncertain?: boolean;
}

function usage(where: string, problem: string): never {
  throw new DistdbError('usage', `${where}: ${problem}`);
}

/** A unique field holding only `capacity` distinct values cannot give `count` records one each. */
function checkCapacity(where: string, capacity: number, count: number): void {
  if (count > capacity) usage(where, `is unique but holds only ${capacity} distinct values, not ${count}`);
}

function integerValues(where: string, type: Kind<'integer'>, unique: boolean, count: number): ValueFn {
  if (unique) {
    const start = type.min ?? (type.max !== undefined ? type.max - Math.max(0, count - 1) : 1);
    const last = start + Math.max(0, count - 1);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(last) || last > (type.max ?? last)) {
      usage(where, `is unique but its range holds fewer than ${count} integers`);
    }
    return (_rng, i) => start + i;
  }
  const lo = type.min ?? Math.max(Number.MIN_SAFE_INTEGER, (type.max ?? 1_000_000) - 2_000_000);
  const hi = type.max ?? Math.min(Number.MAX_SAFE_INTEGER, lo + 2_000_000);
  const span = hi - lo + 1;
  return (rng) => {
    const r = rng.next();
    if (r < 0.05) return lo;
    if (r < 0.1) return hi;
    // Mostly small values near the bottom of the range, the rest anywhere in it.
    return lo + Math.floor(rng.next() * (r < 0.6 ? Math.min(span, 1000) : span));
  };
}

const OFFSETS = [60, 120, -300, 330, -210, 540, -600, 345, 0];
const YEAR_2000 = Date.UTC(2000, 0, 1);
const THIRTY_YEARS_S = 30 * 365 * 86_400;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The instant written in `zone` minutes east of UTC: `2024-05-01T14:30:00+02:00`, or `…Z`. */
export function timestampText(ms: number, zone: number | 'Z', withMs: boolean, sep = 'T'): string {
  const local = new Date(ms + (zone === 'Z' ? 0 : zone) * 60_000).toISOString();
  const fraction = withMs ? local.slice(19, 23) : '';
  const offset =
    zone === 'Z'
      ? 'Z'
      : `${zone < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(zone) / 60))}:${pad(Math.abs(zone) % 60)}`;
  return `${local.slice(0, 10)}${sep}${local.slice(11, 19)}${fraction}${offset}`;
}

function timestampValues(unique: boolean): ValueFn {
  return (rng, i) => {
    // A unique field's instants are a minute apart, whichever zone writes them.
    const seconds = unique ? i * 60 : rng.int(THIRTY_YEARS_S);
    const ms = unique ? 0 : rng.int(1000);
    const zone = rng.next() < 0.6 ? 'Z' : rng.pick(OFFSETS);
    return timestampText(
      YEAR_2000 + seconds * 1000 + ms,
      zone,
      !unique && rng.next() < 0.3,
      rng.next() < 0.1 ? ' ' : 'T',
    );
  };
}

const DOMAINS = ['example.com', 'example.org', 'mail.example.net'];

/** `name.<index>@example.com`, the name shortened (or the domain too) to fit `maxLength`. */
function emailValues(where: string, type: Kind<'email'>, count: number): ValueFn {
  const widest = String(Math.max(0, count - 1));
  if (`${widest}@x.io`.length > type.maxLength)
    usage(where, `maxLength ${type.maxLength} is too short for generated addresses`);
  return (rng, i) => {
    const word = rng.pick(ASCII_WORDS);
    const domain = rng.pick(DOMAINS);
    const address = `${word}.${i}@${domain}`;
    if (address.length <= type.maxLength)
      return rng.next() < 0.1 ? word.charAt(0).toUpperCase() + address.slice(1) : address;
    const short = `${i}@x.io`;
    const room = type.maxLength - short.length - 1;
    return room > 0 ? `${word.slice(0, room)}.${short}` : short;
  };
}

function enumValues(where: string, type: Kind<'enum'>, unique: boolean, count: number): ValueFn {
  if (unique) {
    checkCapacity(where, type.values.length, count);
    return (_rng, i) => type.values[i];
  }
  return (rng) => rng.pick(type.values);
}

function booleanValues(where: string, unique: boolean, count: number): ValueFn {
  if (unique) {
    checkCapacity(where, 2, count);
    return (_rng, i) => i === 1;
  }
  return (rng) => rng.next() < 0.5;
}

function kindValues(where: string, field: FieldDef, count: number): Values {
  const unique = field.duplicateCode !== undefined;
  const type = field.type;
  switch (type.kind) {
    case 'id':
      return { clean: (_rng, i) => i + 1 };
    case 'reference':
      // Picked by the generator, which knows which records land.
      return { clean: () => ABSENT };
    case 'integer':
      return { clean: integerValues(where, type, unique, count) };
    case 'text': {
      const text = textPlan(where, type, unique, count);
      return { clean: (rng, i) => text.value(rng, i), text, uncertain: type.pattern !== undefined };
    }
    case 'email':
      return { clean: emailValues(where, type, count) };
    case 'decimal':
      return { clean: decimalPlan(where, type, unique, count).clean };
    case 'boolean':
      return { clean: booleanValues(where, unique, count) };
    case 'timestamp':
      return { clean: timestampValues(unique) };
    case 'enum':
      return { clean: enumValues(where, type, unique, count) };
  }
}

/**
 * The field's clean values: an optional field is now and then null or left out, a field with
 * a default left out (never a unique one: two records storing the default would collide).
 */
export function fieldValues(where: string, field: FieldDef, count: number): Values {
  const values = kindValues(where, field, count);
  const unique = field.duplicateCode !== undefined;
  const skippable = field.optional || (field.default !== undefined && !unique);
  if (!skippable || field.type.kind === 'reference') return values;
  const clean: ValueFn = (rng, i) => {
    const r = rng.next();
    if (field.optional && r < 0.1) return null;
    if (r < 0.2) return ABSENT;
    return values.clean(rng, i);
  };
  return { ...values, clean };
}

/** The same unique value written another way that still collides: other ASCII letter cases. */
export function caseVariant(rng: Rng, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const r = rng.next();
  if (r < 0.3) return value;
  if (r < 0.65) return value.replace(/[a-z]+/g, (s) => s.toUpperCase());
  return value.replace(/[A-Za-z]/, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()));
}
