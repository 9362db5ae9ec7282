import type { FieldDef, FieldKind } from '../../models/model.js';
import { formatMinorUnits } from '../../schema/decimal.js';
import { decimalInput, decimalRange, randomBelow } from './decimalValues.js';
import { ABSENT } from './fieldValues.js';
import type { Rng } from './random.js';
import type { TextPlan } from './textValues.js';

/** One way of breaking one rule of a field: the bad value, given the record's clean one. */
export interface FieldViolation {
  readonly name: string;
  make(rng: Rng, clean: unknown): unknown;
}

type Kind<K extends FieldKind['kind']> = Extract<FieldKind, { kind: K }>;
type Make = FieldViolation['make'];
type Entry = [name: string, make: Make];

/** Longest bad text generated: longer limits are not tested by going past them. */
const MAX_LONG = 100_000;

const either =
  (...values: unknown[]): Make =>
  (rng) =>
    rng.pick(values);

function presence(field: FieldDef): Entry[] {
  if (field.optional) return [];
  const out: Entry[] = [['null', () => null]];
  if (field.default === undefined) out.push(['missing', () => ABSENT]);
  return out;
}

function idEntries(): Entry[] {
  return [
    ['zero', () => 0],
    ['negative', (rng) => -1 - rng.int(100)],
    ['fraction', (rng) => 1.5 + rng.int(100)],
    ['string', (rng) => String(1 + rng.int(1000))],
  ];
}

function integerEntries(type: Kind<'integer'>): Entry[] {
  const out: Entry[] = [
    [
      'fraction',
      (rng, clean) =>
        typeof clean === 'number' && Math.abs(clean) < 2 ** 40 ? clean + 0.5 : 2.5 + rng.int(9),
    ],
    ['string', (rng, clean) => (typeof clean === 'number' ? String(clean) : String(rng.int(100)))],
    ['unsafe', either(2 ** 53, -(2 ** 53) - 2)],
  ];
  const { min, max } = type;
  if (min !== undefined && min - 100 >= Number.MIN_SAFE_INTEGER)
    out.push(['below_min', (rng) => min - 1 - rng.int(100)]);
  if (max !== undefined && max + 100 <= Number.MAX_SAFE_INTEGER)
    out.push(['above_max', (rng) => max + 1 + rng.int(100)]);
  return out;
}

function textEntries(type: Kind<'text'>, text: TextPlan | undefined): Entry[] {
  const str = (clean: unknown) => (typeof clean === 'string' && clean.length > 0 ? clean : 'text');
  const out: Entry[] = [
    [
      'nul',
      (rng, clean) => {
        const s = str(clean);
        const at = rng.int(s.length + 1);
        return `${s.slice(0, at)}\u0000${s.slice(at)}`;
      },
    ],
    ['lone_surrogate', (_rng, clean) => `${str(clean)}\uD800`],
    ['not_string', either(42, true, ['text'])],
  ];
  if (type.minLength > 0) {
    const short = 'x'.repeat(type.minLength - 1);
    out.push(['too_short', () => (type.trim ? `  ${short} ` : short)]);
    if (type.trim) out.push(['blank', either(' ', '   ', ' \t \n ')]);
  }
  if (type.maxLength !== undefined && type.maxLength < MAX_LONG)
    out.push(['too_long', () => 'x'.repeat((type.maxLength ?? 0) + 1)]);
  if (text && type.pattern !== undefined)
    out.push(['pattern', (rng, clean) => text.mismatch(rng, str(clean))]);
  return out;
}

function emailEntries(type: Kind<'email'>): Entry[] {
  const local = (clean: unknown) => (typeof clean === 'string' ? (clean.split('@')[0] ?? 'x') : 'x');
  const out: Entry[] = [
    [
      'malformed',
      (rng, clean) => {
        const l = local(clean);
        return rng.pick([
          `${l}.example.com`,
          `${l}@example`,
          `${l}@@example.com`,
          `${l} x@example.com`,
          '@example.com',
          `${l}@example..com`,
          `${l}@-example.com`,
        ]);
      },
    ],
    ['not_string', either(7, false)],
  ];
  if (type.maxLength < MAX_LONG) out.push(['too_long', () => `${'a'.repeat(type.maxLength)}@example.com`]);
  return out;
}

function decimalEntries(type: Kind<'decimal'>): Entry[] {
  const range = decimalRange(type);
  const { scale, precision } = type;
  const out: Entry[] = [
    ['places', (rng) => `${rng.int(100)}.${'0'.repeat(scale)}${1 + rng.int(9)}`],
    ['not_number', either('abc', '1,50', '1e3', '', ' 1.5', true, '--1')],
  ];
  const { min, max } = range;
  if (min !== undefined)
    out.push(['below_min', (rng) => decimalInput(rng, min - 1n - randomBelow(rng, 100n), scale)]);
  if (max !== undefined)
    out.push(['above_max', (rng) => decimalInput(rng, max + 1n + randomBelow(rng, 100n), scale)]);
  // Too many digits before the point, but within the bounds: only the precision refuses it.
  const big = 10n ** BigInt(precision);
  const fits = (v: bigint) => (min === undefined || v >= min) && (max === undefined || v <= max);
  const digits = fits(big) ? big : fits(-big) ? -big : undefined;
  if (digits !== undefined) out.push(['too_many_digits', () => formatMinorUnits(digits, scale)]);
  return out;
}

function timestampEntries(): Entry[] {
  return [
    [
      'impossible_date',
      either(
        '2024-02-30T00:00:00Z',
        '2023-02-29T12:00:00Z',
        '2024-13-01T00:00:00Z',
        '2024-04-31T08:00:00+02:00',
        '2024-05-01T24:00:00Z',
        '2024-05-01T12:60:00Z',
      ),
    ],
    [
      'no_zone',
      (_rng, clean) =>
        typeof clean === 'string' ? clean.replace(/(Z|[+-]\d{2}:\d{2})$/, '') : '2024-05-01T12:00:00',
    ],
    ['garbage', either('yesterday', '2024/05/01 12:00', '', 'T12:00:00Z', '1714567890', '2024-05-01')],
    ['not_string', either(1714567890, true)],
  ];
}

function enumEntries(type: Kind<'enum'>): Entry[] {
  const first = type.values[0] ?? 'value';
  const unlisted = [first.toUpperCase(), `${first}_x`, 'unknown', ''].filter((v) => !type.values.includes(v));
  return [
    ['unlisted', either(...unlisted)],
    ['not_string', either(1, false)],
  ];
}

function kindEntries(type: FieldKind, text: TextPlan | undefined): Entry[] {
  switch (type.kind) {
    case 'id':
    case 'reference':
      return idEntries();
    case 'integer':
      return integerEntries(type);
    case 'text':
      return textEntries(type, text);
    case 'email':
      return emailEntries(type);
    case 'decimal':
      return decimalEntries(type);
    case 'boolean':
      return [['not_boolean', either('yes', 1, 'true', 0, 'false')]];
    case 'timestamp':
      return timestampEntries();
    case 'enum':
      return enumEntries(type);
  }
}

/** Every way of breaking the field's own rules, each failing with the field's code. */
export function fieldViolations(field: FieldDef, text?: TextPlan): FieldViolation[] {
  return [...presence(field), ...kindEntries(field.type, text)].map(([name, make]) => ({
    name: `${field.name}:${name}`,
    make,
  }));
}
