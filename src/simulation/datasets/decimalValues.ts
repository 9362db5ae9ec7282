import { DistdbError } from '../../errors.js';
import type { FieldKind } from '../../models/model.js';
import { formatMinorUnits, parseDecimal } from '../../schema/decimal.js';
import type { Rng } from './random.js';

export type DecimalType = Extract<FieldKind, { kind: 'decimal' }>;

/** A decimal field's range in minor units: its bounds, or what its precision holds. */
export interface DecimalRange {
  readonly lo: bigint;
  readonly hi: bigint;
  /** The largest magnitude the precision holds (`10^precision - 1` minor units). */
  readonly limit: bigint;
  readonly min?: bigint;
  readonly max?: bigint;
}

function minorOf(text: string | undefined, scale: number): bigint | undefined {
  if (text === undefined) return undefined;
  const r = parseDecimal(text, scale);
  return 'minor' in r ? BigInt(r.minor) : undefined;
}

export function decimalRange(type: DecimalType): DecimalRange {
  const limit = 10n ** BigInt(type.precision) - 1n;
  const min = minorOf(type.min, type.scale);
  const max = minorOf(type.max, type.scale);
  const lo = min !== undefined && min > -limit ? min : -limit;
  const hi = max !== undefined && max < limit ? max : limit;
  return { lo, hi, limit, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
}

/** Uniform enough in [0, span): 32-bit draws past the span's size, then the remainder. */
export function randomBelow(rng: Rng, span: bigint): bigint {
  if (span <= 1n) return 0n;
  const bits = span.toString(2).length + 16;
  let r = 0n;
  for (let have = 0; have < bits; have += 32) r = (r << 32n) | BigInt(Math.floor(rng.next() * 2 ** 32));
  return r % span;
}

/**
 * The value as text (`12.3400`, now and then without trailing zeros) or, when the number's own
 * text is exactly the value, sometimes as a JSON number.
 */
export function decimalInput(rng: Rng, minor: bigint, scale: number): string | number {
  let text = formatMinorUnits(minor, scale);
  if (scale > 0 && rng.next() < 0.3) text = text.replace(/\.?0+$/, '');
  if (rng.next() < 0.25) {
    const n = Number(text);
    const back = parseDecimal(n, scale);
    if ('minor' in back && BigInt(back.minor) === minor) return n;
  }
  return text;
}

/** Mostly everyday values near zero (or the nearest bound), some anywhere, a few at the bounds. */
function anyValue(rng: Rng, range: DecimalRange, scale: number): bigint {
  const { lo, hi } = range;
  const r = rng.next();
  if (r < 0.05) return lo;
  if (r < 0.1) return hi;
  if (r < 0.4) return lo + randomBelow(rng, hi - lo + 1n);
  const center = lo > 0n ? lo : hi < 0n ? hi : 0n;
  const near = randomBelow(rng, 10n ** BigInt(scale + 3));
  const v = center === hi || (center !== lo && rng.next() < 0.3) ? center - near : center + near;
  return v < lo ? lo : v > hi ? hi : v;
}

export function decimalPlan(
  where: string,
  type: DecimalType,
  unique: boolean,
  count: number,
): { clean: (rng: Rng, index: number) => unknown; range: DecimalRange } {
  const range = decimalRange(type);
  if (range.lo > range.hi) throw new DistdbError('usage', `${where}: no value fits its bounds and precision`);
  if (unique) {
    // One minor unit apart, from zero or the nearest value to it that leaves room for all.
    const last = BigInt(Math.max(0, count - 1));
    if (range.lo + last > range.hi) {
      throw new DistdbError('usage', `${where}: is unique but its range holds fewer than ${count} values`);
    }
    const zero = range.hi - last < 0n ? range.hi - last : 0n;
    const start = zero > range.lo ? zero : range.lo;
    return { clean: (rng, i) => decimalInput(rng, start + BigInt(i), type.scale), range };
  }
  return { clean: (rng) => decimalInput(rng, anyValue(rng, range, type.scale), type.scale), range };
}
