/**
 * Issue item 6: the validator agrees with the specification. fast-check drives random and
 * edge-case records through `validateRecord` and through an independent reference
 * (test/support/validationReference.ts); the sets of failure codes must be equal.
 */
import { OrderModel, ProductModel, UserModel, validateRecord } from 'distdb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Code, refOrderCodes, refProductCodes, refUserCodes } from '../support/validationReference.js';

const RUNS = 4000;

const codesOf = (model: Parameters<typeof validateRecord>[0], record: unknown): string[] =>
  [...new Set(validateRecord(model, record).issues.map((i) => i.code))].sort();
const sortedSet = (s: Set<Code>): string[] => [...s].sort();

// ---- values --------------------------------------------------------------------------------

const oddValues = fc.constantFrom<unknown>(
  null,
  undefined,
  true,
  false,
  [],
  {},
  [1],
  '',
  ' ',
  '1',
  NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  0,
);

const idArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -3, max: 10 }),
  fc.maxSafeInteger(),
  fc.constantFrom(
    1,
    2 ** 53 - 1,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 53 - 1),
    1.5,
    0.5,
    1e21,
    1e-7,
    1.0000000000000002,
    4.000000000000001,
  ),
  fc.double(),
  fc.string({ maxLength: 4 }),
  oddValues,
);

/** Whitespace JS trim removes, and look-alikes it keeps (ZWSP, NEL, U+180E, U+200B). */
const space = fc.constantFrom(
  ' ',
  '\t',
  '\n',
  '\r',
  '\v',
  '\f',
  '\u00a0',
  '\u1680',
  '\u2000',
  '\u200a',
  '\u2028',
  '\u2029',
  '\u202f',
  '\u205f',
  '\u3000',
  '\ufeff',
  '\u200b',
  '\u0085',
  '\u180e',
);
/** One code point each, some of them two UTF-16 units, one a combining mark. */
const unit = fc.constantFrom(
  'a',
  'Z',
  'é',
  '中',
  '😀',
  '𝔸',
  '\u0301',
  '\u202e',
  "'",
  '"',
  '\\',
  '%',
  '\u0001',
);

const sizedName = fc
  .record({
    left: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom(449, 450, 451, 898, 899, 900, 901, 950)),
    pad: space,
    core: fc.constantFrom(0, 1, 2, 3, 50, 99, 100, 101, 150),
    unit,
    right: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom(449, 450, 451, 900)),
    nul: fc.constantFrom(-1, -1, -1, 0, 1),
  })
  .map(({ left, pad, core, unit: u, right, nul }) => {
    const inner = u.repeat(core);
    const withNul = nul < 0 ? inner : nul === 0 ? `\u0000${inner}` : `${inner}\u0000`;
    return pad.repeat(left) + withNul + pad.repeat(right);
  });

const nameArb: fc.Arbitrary<unknown> = fc.oneof(
  sizedName,
  fc.string({ unit: 'grapheme', maxLength: 110 }),
  fc.string({ unit: 'binary', maxLength: 110 }),
  fc
    .tuple(fc.array(space, { maxLength: 4 }), fc.string({ maxLength: 6 }), fc.array(space, { maxLength: 4 }))
    .map(([l, s, r]) => l.join('') + s + r.join('')),
  fc.constantFrom('\uD800ab', 'ab\uDC00', '\uDBFF\uDFFF\uDBFF'),
  fc.integer(),
  oddValues,
);

const ATEXT = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', ..."!#$%&'*+-/=?^_`{|}~"];
const LDH = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-'];
const atom = fc.string({ unit: fc.constantFrom(...ATEXT), minLength: 1, maxLength: 8 });
const label = fc
  .string({ unit: fc.constantFrom(...LDH), minLength: 1, maxLength: 10 })
  .filter((l) => !l.startsWith('-') && !l.endsWith('-'));
const tld = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'),
  minLength: 2,
  maxLength: 6,
});

const wellFormedEmail = fc
  .tuple(fc.array(atom, { minLength: 1, maxLength: 3 }), fc.array(label, { minLength: 1, maxLength: 3 }), tld)
  .map(([local, labels, t]) => `${local.join('.')}@${labels.join('.')}.${t}`);

/** Emails right at the length limits. */
const boundaryEmail = fc
  .record({
    local: fc.constantFrom(1, 63, 64, 65),
    total: fc.constantFrom(20, 253, 254, 255, 256),
    labelLen: fc.constantFrom(10, 63, 64),
  })
  .map(({ local, total, labelLen }) => {
    const l = 'a'.repeat(local);
    let domain = `${'b'.repeat(Math.min(labelLen, 63))}.com`;
    if (labelLen === 64) domain = `${'b'.repeat(64)}.com`;
    while (l.length + 1 + domain.length < total) {
      const room = total - (l.length + 1 + domain.length) - 1;
      if (room <= 0) break;
      domain = `${'c'.repeat(Math.min(63, room))}.${domain}`;
    }
    return `${l}@${domain}`;
  });

const oddChars = fc.constantFrom(
  '@',
  '.',
  '..',
  ' ',
  '\t',
  '\n',
  '"',
  '(',
  ')',
  ',',
  ':',
  ';',
  '<',
  '>',
  '[',
  ']',
  '\\',
  'é',
  'ü',
  '\u0000',
  '-',
  '1',
  'A',
  '_',
  '\u00a0',
);

const mutatedEmail = fc
  .tuple(
    wellFormedEmail,
    fc.nat(),
    oddChars,
    fc.constantFrom('insert', 'replace', 'delete', 'upper', 'prefix', 'suffix'),
  )
  .map(([e, at, c, op]) => {
    const i = at % (e.length + 1);
    switch (op) {
      case 'insert':
        return e.slice(0, i) + c + e.slice(i);
      case 'replace':
        return e.slice(0, i) + c + e.slice(i + 1);
      case 'delete':
        return e.slice(0, i) + e.slice(i + 1);
      case 'upper':
        return e.toUpperCase();
      case 'prefix':
        return c + e;
      default:
        return e + c;
    }
  });

const emailArb: fc.Arbitrary<unknown> = fc.oneof(
  wellFormedEmail,
  boundaryEmail,
  mutatedEmail,
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    'a@b.co',
    'a@b.c',
    'a@b',
    '@b.co',
    'a@.co',
    'a@b..co',
    'a.@b.co',
    '.a@b.co',
    'a@-b.co',
    'a@b-.co',
    'a@b.c0',
    'a@1.co',
  ),
  oddValues,
);

const digits = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });

const decimalText = fc
  .tuple(fc.constantFrom('', '', '-', '+'), digits(0, 9), fc.option(digits(0, 4)))
  .map(([sign, int, frac]) => `${sign}${int}${frac === null ? '' : `.${frac}`}`);

const priceArb: fc.Arbitrary<unknown> = fc.oneof(
  decimalText,
  fc.constantFrom(
    '0.01',
    '0.00',
    '0.009',
    '0.010',
    '999999.99',
    '999999.990',
    '999999.995',
    '1000000',
    '1000000.00',
    '01.50',
    '0000000000000000000001.50',
    '1.',
    '.5',
    '+1',
    '1e3',
    ' 1.00',
    '1.00 ',
    '1,00',
    '１２',
    '١٢',
    '-0',
    '-0.00',
    '0x10',
    'Infinity',
    'NaN',
    '',
  ),
  fc.double(),
  fc.double({ min: 0, max: 1_000_001 }),
  fc.integer({ min: -5, max: 1_000_001 }),
  fc.integer({ min: 1, max: 99_999_999 }).map((c) => c / 100),
  fc.constantFrom(
    0.01,
    0.1 + 0.2,
    19.99,
    1.005,
    999999.99,
    999999.994,
    999999.999,
    1e21,
    1e-7,
    5e-324,
    -0.01,
    1e6,
  ),
  oddValues,
);

const quantityArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -3, max: 1005 }),
  fc.constantFrom(1, 1000, 0, 1001, 2.5, 1.0, 999.9999999999999, 1000.0000000000001, 2 ** 53),
  fc.double(),
  oddValues,
);

const record = (shape: Record<string, fc.Arbitrary<unknown>>) =>
  fc.oneof(
    { weight: 20, arbitrary: fc.record(shape, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.anything() },
  );

describe('validateRecord agrees with the reference rules', () => {
  it.each([
    ['User', UserModel, record({ id: idArb, name: nameArb, email: emailArb }), refUserCodes],
    ['Product', ProductModel, record({ id: idArb, name: nameArb, price: priceArb }), refProductCodes],
    [
      'Order',
      OrderModel,
      record({ id: idArb, user_id: idArb, product_id: idArb, quantity: quantityArb }),
      refOrderCodes,
    ],
  ] as const)('%s records', (_name, model, arb, reference) => {
    fc.assert(
      fc.property(arb, (rec) => {
        expect(codesOf(model, rec)).toEqual(sortedSet(reference(rec)));
      }),
      { numRuns: RUNS },
    );
  });

  it('the reference itself says what the README examples say', () => {
    expect(sortedSet(refUserCodes({ id: 1, name: 'Al', email: 'alice@example.com' }))).toEqual([]);
    expect(sortedSet(refUserCodes({ id: 10, name: 'A', email: 'x@y' }))).toEqual([
      'invalid_email',
      'invalid_name',
    ]);
    expect(sortedSet(refProductCodes({ id: 1, name: 'Laptop', price: 19.99 }))).toEqual([]);
    expect(sortedSet(refProductCodes({ id: 1, name: 'Laptop', price: '1.005' }))).toEqual(['invalid_price']);
    expect(sortedSet(refOrderCodes({ id: 1, user_id: 1, product_id: 1, quantity: 1001 }))).toEqual([
      'invalid_quantity',
    ]);
    expect(sortedSet(refOrderCodes('not a record'))).toEqual(['invalid_id']);
  });
});
