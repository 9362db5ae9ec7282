import type { AnyModel } from '../../models/model.js';
import type { GeneratedRecord, GeneratorSpec, RecordGenerator } from '../../simulation/datasets/generator.js';
import { Rng } from '../../simulation/datasets/random.js';
import { ADJECTIVES, DOMAINS, FIRST, LAST, NOUNS } from './words.js';

/** A word as an address takes it: accents dropped, lower case. */
const ascii = (word: string) =>
  word
    .normalize('NFD')
    .replace(/[^\x20-\x7e]/g, '')
    .toLowerCase();
// Folded once: an address is made of them for every user.
const ASCII_FIRST = FIRST.map(ascii);
const ASCII_LAST = LAST.map((w) => ascii(w.replace("'", '')));
const ASCII_DOMAINS = DOMAINS.map(ascii);

// Streams keep the models' random sequences apart.
const USER = 1;
const PRODUCT = 2;
const ORDER = 3;

type UserKind = 'clean' | 'blank_name' | 'short_name' | 'bad_email' | 'dup_email' | 'dup_id';
type ProductKind = 'clean' | 'short_name' | 'price_low' | 'price_high' | 'price_decimals' | 'dup_id';
type OrderKind =
  | 'clean'
  | 'qty_zero'
  | 'qty_negative'
  | 'qty_over'
  | 'qty_fraction'
  | 'missing_user'
  | 'failed_user'
  | 'missing_product'
  | 'dup_id';

const USER_BAD: UserKind[] = ['blank_name', 'short_name', 'bad_email', 'dup_email', 'dup_id'];
const PRODUCT_BAD: ProductKind[] = ['short_name', 'price_low', 'price_high', 'price_decimals', 'dup_id'];
const ORDER_BAD: OrderKind[] = [
  'qty_zero',
  'qty_negative',
  'qty_over',
  'qty_fraction',
  'missing_user',
  'failed_user',
  'missing_product',
  'dup_id',
];

/** Generates the shop's records by index, in O(1) per record. */
export class Generator implements RecordGenerator {
  readonly #users: number;
  readonly #products: number;

  constructor(readonly spec: GeneratorSpec) {
    this.#users = spec.counts.users ?? 0;
    this.#products = spec.counts.products ?? 0;
  }

  #kind<K extends string>(stream: number, i: number, bad: readonly K[]): K | 'clean' {
    const r = new Rng(this.spec.seed, stream, i);
    return r.next() < this.spec.invalidRatio ? (r.pick(bad) as K) : 'clean';
  }

  userKind(i: number): UserKind {
    return this.#kind(USER, i, USER_BAD);
  }
  productKind(i: number): ProductKind {
    return this.#kind(PRODUCT, i, PRODUCT_BAD);
  }
  orderKind(i: number): OrderKind {
    return this.#kind(ORDER, i, ORDER_BAD);
  }

  /** An earlier record that lands (clean), searched deterministically; undefined if none is near. */
  #earlierClean(rng: Rng, i: number, isClean: (j: number) => boolean): number | undefined {
    if (i === 0) return undefined;
    let j = rng.int(i);
    for (let tries = 0; tries < 32 && j >= 0; tries++, j--) if (isClean(j)) return j;
    return undefined;
  }

  #anyClean(rng: Rng, n: number, isClean: (j: number) => boolean): number | undefined {
    for (let tries = 0; tries < 32; tries++) {
      const j = rng.int(n);
      if (isClean(j)) return j;
    }
    return undefined;
  }

  static email(i: number): string {
    const r = new Rng(0, USER, i);
    const first = ASCII_FIRST[i % ASCII_FIRST.length];
    return `${first}.${r.pick(ASCII_LAST)}.${i}@${r.pick(ASCII_DOMAINS)}`;
  }

  user(i: number): GeneratedRecord {
    const rng = new Rng(this.spec.seed, USER, i);
    rng.next(); // the kind draw
    let kind = this.userKind(i);
    rng.next();
    const name = `${rng.pick(FIRST)} ${rng.pick(LAST)}`;
    const base = { id: i + 1, name, email: Generator.email(i) };
    const clean = (j: number) => this.userKind(j) === 'clean';
    if (kind === 'dup_email' || kind === 'dup_id') {
      const j = this.#earlierClean(rng, i, clean);
      if (j === undefined) kind = 'blank_name';
      else if (kind === 'dup_email') {
        const e = Generator.email(j);
        const variant = rng.next() < 0.5 ? e.toUpperCase() : e.charAt(0).toUpperCase() + e.slice(1);
        return { record: { ...base, email: rng.next() < 0.3 ? e : variant }, expected: 'duplicate_email' };
      } else return { record: { ...base, id: j + 1 }, expected: 'duplicate_id' };
    }
    switch (kind) {
      case 'clean':
        return { record: base, expected: 'ok' };
      case 'blank_name':
        return { record: { ...base, name: rng.pick(['', '   ', '\t \n']) }, expected: 'invalid_name' };
      case 'short_name':
        return { record: { ...base, name: rng.pick(['A', ' B ', 'ü']) }, expected: 'invalid_name' };
      default: {
        const local = base.email.split('@')[0] ?? 'x';
        const bad = rng.pick([
          `${local}.example.com`,
          `${local}@example`,
          `${local}@@example.com`,
          `${local} x@example.com`,
          `@example.com`,
        ]);
        return { record: { ...base, email: bad }, expected: 'invalid_email' };
      }
    }
  }

  product(i: number): GeneratedRecord {
    const rng = new Rng(this.spec.seed, PRODUCT, i);
    rng.next();
    let kind = this.productKind(i);
    const name = `${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}`;
    // Mostly everyday prices, some expensive; exact cents, sometimes given as a JSON number.
    const cents = rng.next() < 0.9 ? 100 + rng.int(200_000) : 1 + rng.int(99_999_999);
    const text = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    const price = rng.next() < 0.5 ? text : Number(text);
    const base = { id: i + 1, name, price };
    if (kind === 'dup_id') {
      const j = this.#earlierClean(rng, i, (x) => this.productKind(x) === 'clean');
      if (j === undefined) kind = 'short_name';
      else return { record: { ...base, id: j + 1 }, expected: 'duplicate_id' };
    }
    switch (kind) {
      case 'clean':
        return { record: base, expected: 'ok' };
      case 'short_name':
        return { record: { ...base, name: rng.pick(['X', '  ', '']) }, expected: 'invalid_name' };
      case 'price_low':
        return {
          record: { ...base, price: rng.pick(['0.00', 0, '-5.00', -0.01]) },
          expected: 'invalid_price',
        };
      case 'price_high':
        return {
          record: { ...base, price: rng.pick(['1000000.00', 1000000, '99999999.99']) },
          expected: 'invalid_price',
        };
      default:
        return {
          record: { ...base, price: rng.pick(['12.345', 0.001, '9.999']) },
          expected: 'invalid_price',
        };
    }
  }

  order(i: number): GeneratedRecord {
    const users = this.#users;
    const products = this.#products;
    const rng = new Rng(this.spec.seed, ORDER, i);
    rng.next();
    let kind = this.orderKind(i);
    const u = this.#anyClean(rng, users, (j) => this.userKind(j) === 'clean');
    const p = this.#anyClean(rng, products, (j) => this.productKind(j) === 'clean');
    const quantity = rng.next() < 0.8 ? 1 + rng.int(5) : 1 + rng.int(1000);
    const base = {
      id: i + 1,
      user_id: u === undefined ? users + 1 : u + 1,
      product_id: p === undefined ? products + 1 : p + 1,
      quantity,
    };
    // Without a landed user or product to point at, the order cannot be valid.
    const refCode: string = u === undefined ? 'unknown_user' : p === undefined ? 'unknown_product' : 'ok';
    if (kind === 'dup_id') {
      const j = this.#earlierClean(rng, i, (x) => this.orderKind(x) === 'clean' && this.#orderLands(x));
      if (j === undefined) kind = 'qty_zero';
      else return { record: { ...base, id: j + 1 }, expected: 'duplicate_id' };
    }
    const withCode = (record: Record<string, unknown>, code: string): GeneratedRecord => ({
      record,
      expected: code,
    });
    switch (kind) {
      case 'clean':
        return { record: base, expected: refCode };
      case 'qty_zero':
        return withCode({ ...base, quantity: 0 }, 'invalid_quantity');
      case 'qty_negative':
        return withCode({ ...base, quantity: -1 - rng.int(50) }, 'invalid_quantity');
      case 'qty_over':
        return withCode({ ...base, quantity: 1001 + rng.int(5000) }, 'invalid_quantity');
      case 'qty_fraction':
        return withCode({ ...base, quantity: 2.5 }, 'invalid_quantity');
      case 'missing_user':
        return withCode({ ...base, user_id: users + 1 + rng.int(1000) }, 'unknown_user');
      case 'failed_user': {
        const j = this.#anyClean(rng, users, (x) => this.userKind(x) !== 'clean');
        return j === undefined
          ? withCode({ ...base, user_id: users + 1 }, 'unknown_user')
          : withCode({ ...base, user_id: j + 1 }, 'unknown_user');
      }
      default:
        return refCode === 'unknown_user'
          ? withCode({ ...base, product_id: products + 1 + rng.int(1000) }, 'unknown_user')
          : withCode({ ...base, product_id: products + 1 + rng.int(1000) }, 'unknown_product');
    }
  }

  /** A clean order lands only if it found a landed user and product to reference. */
  #orderLands(i: number): boolean {
    const rng = new Rng(this.spec.seed, ORDER, i);
    rng.next();
    const u = this.#anyClean(rng, this.#users, (j) => this.userKind(j) === 'clean');
    const p = this.#anyClean(rng, this.#products, (j) => this.productKind(j) === 'clean');
    return u !== undefined && p !== undefined;
  }

  /** Records `start .. start+count-1` of a model. */
  range(model: AnyModel, start: number, count: number): GeneratedRecord[] {
    return this.rangeOf(model.datasetKey, start, count);
  }

  /** Records `start .. start+count-1` of the shop's table `key`. */
  rangeOf(key: string, start: number, count: number): GeneratedRecord[] {
    const out: GeneratedRecord[] = new Array(count);
    const make =
      key === 'users'
        ? (i: number) => this.user(i)
        : key === 'products'
          ? (i: number) => this.product(i)
          : (i: number) => this.order(i);
    for (let k = 0; k < count; k++) out[k] = make(start + k);
    return out;
  }
}

export function createGenerator(spec: GeneratorSpec): RecordGenerator {
  return new Generator(spec);
}

/** `--records N` split 40% users, 20% products, 40% orders. */
export function split(total: number): Record<string, number> {
  const users = Math.round(total * 0.4);
  const products = Math.round(total * 0.2);
  return { users, products, orders: total - users - products };
}
