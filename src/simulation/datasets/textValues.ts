import { DistdbError } from '../../errors.js';
import { checkValue, Invalid } from '../../models/checkValue.js';
import type { FieldKind } from '../../models/model.js';
import { rawTextLimit } from '../../models/modelTable.js';
import { codePoints } from '../../util/text.js';
import { patternLiterals } from './patternLiterals.js';
import { Rng } from './random.js';
import { ASCII_WORDS, WORDS } from './words.js';

export type TextType = Extract<FieldKind, { kind: 'text' }>;

/** Texts of a text field: clean ones by index, and one breaking only the pattern. */
export interface TextPlan {
  /** Record `index`'s text; a unique field's ends in the index, written in a fixed width. */
  value(rng: Rng, index: number): string;
  /** A text within the length rules that the pattern refuses, if one of the candidates is. */
  mismatch(rng: Rng, clean: string): string | undefined;
}

type Head = (rng: Rng, length: number, ascii: boolean) => string;

/**
 * A text is a head and a number, between literals the pattern asks for: `Quiet river 0042`,
 * `qzvx-0042`, `SKU-QZV0042`. A unique field's number is its index, so its values never
 * collide, not even case-folded: each number alphabet has a single case.
 */
interface Shape {
  readonly head: Head;
  /** Between the head and the number; left out with an empty head. */
  readonly sep: string;
  readonly digits: string;
}

const DIGITS = '0123456789';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const HEX = '0123456789abcdef';
const BASE36 = DIGITS + LOWER;

const letters =
  (alphabet: string): Head =>
  (rng, n) => {
    let s = '';
    for (let k = 0; k < n; k++) s += alphabet[rng.int(alphabet.length)];
    return s;
  };

/** Words joined by `sep`, cut to `n` characters, never ending in the separator. */
const words =
  (sep: string, capital: boolean): Head =>
  (rng, n, ascii) => {
    const list = ascii ? ASCII_WORDS : WORDS;
    let s = '';
    while (s.length < n) s += (s ? sep : '') + rng.pick(list);
    s = s.slice(0, n);
    if (sep && s.endsWith(sep)) s = s.slice(0, -sep.length) + rng.pick(list).charAt(0);
    return capital ? s.charAt(0).toUpperCase() + s.slice(1) : s;
  };

// The most natural first: the first shape whose samples pass a field's rules is used.
const SHAPES: readonly Shape[] = [
  { head: words(' ', true), sep: ' ', digits: DIGITS },
  { head: words('-', false), sep: '-', digits: DIGITS },
  { head: words('_', false), sep: '_', digits: DIGITS },
  { head: letters(LOWER), sep: '', digits: DIGITS },
  { head: letters(LOWER), sep: '', digits: LOWER },
  { head: letters(UPPER), sep: '-', digits: DIGITS },
  { head: letters(UPPER), sep: '', digits: DIGITS },
  { head: letters(UPPER), sep: '', digits: UPPER },
  { head: letters(UPPER), sep: '', digits: LOWER },
  { head: letters(HEX), sep: '', digits: HEX },
  { head: letters(DIGITS), sep: '', digits: DIGITS },
  { head: letters(BASE36), sep: '', digits: BASE36 },
];

const HEAD_LENGTHS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 20, 24, 32, 40, 64];
const EXTRA_WIDTHS = 10;

interface Layout {
  readonly prefix: string;
  readonly suffix: string;
  readonly shape: Shape;
  /** Characters of the number (0: none). */
  readonly width: number;
  readonly headLength: (rng: Rng) => number;
}

/** `n` in `digits`, left-padded to `width`. */
function encode(n: number, width: number, digits: string): string {
  const base = digits.length;
  let s = '';
  for (let k = 0; k < width; k++, n = Math.floor(n / base)) s = digits[n % base] + s;
  return s;
}

function compose(l: Layout, rng: Rng, headLength: number, ascii: boolean, index: number | undefined): string {
  const head = l.shape.head(rng, headLength, ascii);
  if (l.width === 0) return l.prefix + head + l.suffix;
  const n = index ?? rng.int(l.shape.digits.length ** Math.min(l.width, 6));
  return `${l.prefix}${head ? head + l.shape.sep : ''}${encode(n, l.width, l.shape.digits)}${l.suffix}`;
}

/** Fewest digits of `base` that write `count` distinct numbers. */
function widthFor(base: number, count: number): number {
  let w = 1;
  while (base ** w < count) w++;
  return w;
}

/**
 * Literal texts the pattern asks for, in front of and behind the text: none first, unless the
 * pattern starts with one (`^SKU-`), which is then certainly needed.
 */
function affixes(pattern: string | undefined): Affix[] {
  const { runs, suffix } = patternLiterals(pattern);
  const anchored = runs[0] !== undefined && pattern?.startsWith(`^${runs[0]}`);
  const prefixes = anchored ? [...runs, ''] : ['', ...runs];
  const out: Affix[] = [];
  for (const prefix of prefixes) {
    out.push({ prefix, suffix: '' });
    if (suffix !== undefined && suffix !== prefix) out.push({ prefix, suffix });
  }
  return out;
}

function samples(count: number): number[] {
  return [...new Set([0, 1, 9, 10, Math.floor(count / 2), count - 1].filter((i) => i >= 0 && i < count))];
}

interface Search {
  readonly type: TextType;
  readonly unique: boolean;
  readonly count: number;
  readonly ascii: boolean;
}

const patterns = new Map<string, RegExp>();

/**
 * Whether the text passes the field's rules. The pattern is tried first: most candidates fail
 * it, and checkValue spends time on the message saying so.
 */
function ok(type: TextType, v: string): boolean {
  if (type.pattern !== undefined) {
    let re = patterns.get(type.pattern);
    if (!re) {
      re = new RegExp(type.pattern, 'u');
      patterns.set(type.pattern, re);
    }
    if (!re.test(v)) return false;
  }
  return !(checkValue('', type, v) instanceof Invalid);
}

type Affix = Pick<Layout, 'prefix' | 'suffix'>;

/** Head lengths at which every sample of the affix, shape and width passes the field's rules. */
function passingLengths(s: Search, affix: Affix, shape: Shape, width: number): number[] {
  const indexes = s.unique ? samples(s.count) : [0, 1, 2, 3];
  // Besides short heads, the ones that reach the field's length bounds.
  const fixed = affix.prefix.length + affix.suffix.length + (width > 0 ? width + shape.sep.length : 0);
  const { minLength, maxLength } = s.type;
  const bounds = [minLength - fixed, minLength - fixed + 5, (maxLength ?? 0) - fixed];
  // Lengths are exact (no text starts or ends with whitespace, every character is one code
  // point): heads that cannot fit the length rules are not tried.
  const length = (n: number) => fixed + n - (n === 0 && width > 0 ? shape.sep.length : 0);
  const fits = (n: number) => length(n) >= minLength && (maxLength === undefined || length(n) <= maxLength);
  const lengths = [...new Set([...HEAD_LENGTHS, ...bounds.filter((n) => n > 0)])].filter(fits);
  return lengths.filter((n) => {
    const layout = { ...affix, shape, width, headLength: () => n };
    return indexes.every((i, k) => {
      const v = compose(layout, new Rng(7, k, i), n, s.ascii, s.unique ? i : undefined);
      return ok(s.type, v);
    });
  });
}

/**
 * The first layout (by SHAPES order, then narrowest number) whose samples all pass with a
 * head; failing that, the first passing without one (a bare number).
 */
function searchLayout(s: Search): Layout | undefined {
  let bare: Layout | undefined;
  for (const affix of affixes(s.type.pattern)) {
    for (const shape of SHAPES) {
      const base = shape.digits.length;
      const first = s.unique ? widthFor(base, s.count) : 0;
      for (let width = first; width <= first + EXTRA_WIDTHS; width++) {
        const lengths = passingLengths(s, affix, shape, width);
        const headed = lengths.filter((n) => n > 0);
        if (headed.length > 0) return { ...affix, shape, width, headLength: (rng) => rng.pick(headed) };
        if (lengths.length > 0) bare ??= { ...affix, shape, width, headLength: () => 0 };
      }
    }
  }
  return bare;
}

/**
 * Without a pattern, any head length within the length rules will do: mostly short texts, now
 * and then the shortest or (when that stays small) the longest allowed.
 */
function anyLength(type: TextType, l: Layout): Layout {
  const fixed = l.prefix.length + l.suffix.length + (l.width > 0 ? l.width + l.shape.sep.length : 0);
  const lo = Math.max(l.width > 0 && l.shape.sep ? 1 : 0, type.minLength - fixed);
  const hi = type.maxLength === undefined ? lo + 40 : type.maxLength - fixed;
  if (hi < lo) return l;
  const typical = Math.min(hi, lo + 30);
  const headLength = (rng: Rng) => {
    const r = rng.next();
    if (r < 0.05) return lo;
    if (r < 0.1 && hi - lo <= 2000) return hi;
    return lo + rng.int(typical - lo + 1);
  };
  return { ...l, headLength };
}

/** Wrapped in spaces now and then where the field trims, as long as that stays valid. */
function padded(type: TextType, rng: Rng, v: string): string {
  if (!type.trim || rng.next() >= 0.2) return v;
  const wrapped = `${' '.repeat(1 + rng.int(2))}${v} `;
  return codePoints(wrapped) <= (rawTextLimit(type) ?? Infinity) && ok(type, wrapped) ? wrapped : v;
}

function mismatchOf(type: TextType): TextPlan['mismatch'] {
  if (type.pattern === undefined) return () => undefined;
  const unpatterned: TextType = { ...type, pattern: undefined };
  return (rng, clean) => {
    const cut = clean.slice(1);
    const candidates = [
      `${clean}!`,
      `!${cut}`,
      clean.toUpperCase(),
      clean.toLowerCase(),
      `~${clean}`,
      `${clean.slice(0, -1)}~`,
      `x ${cut}`,
      '~'.repeat(Math.max(1, codePoints(clean))),
    ];
    const start = rng.int(candidates.length);
    for (let k = 0; k < candidates.length; k++) {
      const c = candidates[(start + k) % candidates.length] as string;
      if (ok(unpatterned, c) && !ok(type, c)) return c;
    }
    return undefined;
  };
}

/**
 * Plans a text field's values. `where` (Model.field) names the field when no generated text
 * can satisfy its rules: a pattern none of the shapes matches, or a unique field too short to
 * hold `count` distinct values.
 */
export function textPlan(where: string, type: TextType, unique: boolean, count: number): TextPlan {
  const ascii = unique;
  const found = searchLayout({ type, unique, count, ascii });
  if (!found) {
    const rule = type.pattern === undefined ? 'its length rules' : `pattern ${type.pattern}`;
    const many = unique ? ` with ${count} distinct values` : '';
    throw new DistdbError('usage', `${where}: cannot generate text matching ${rule}${many}`);
  }
  const layout = type.pattern === undefined ? anyLength(type, found) : found;
  const fallbackLength = layout.headLength(new Rng(7, 0, 0));
  const value = (rng: Rng, index: number) => {
    const i = unique ? index : undefined;
    for (let attempt = 0; attempt < 4; attempt++) {
      const v = compose(layout, rng, layout.headLength(rng), ascii, i);
      if (type.pattern === undefined || ok(type, v)) return padded(type, rng, v);
    }
    // The layout's samples passed: its first sample's shape is the safest bet.
    return compose(layout, new Rng(7, 0, index), fallbackLength, ascii, i);
  };
  return { value, mismatch: mismatchOf(type) };
}
