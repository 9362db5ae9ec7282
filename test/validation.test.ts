import { OrderModel, ProductModel, UserModel, validateRecord } from 'distdb';
import { describe, expect, it } from 'vitest';

const codes = (model: Parameters<typeof validateRecord>[0], record: unknown) =>
  validateRecord(model, record).issues.map((i) => i.code);

const user = { id: 1, name: 'Alice', email: 'alice@example.com' };
const product = { id: 1, name: 'Laptop', price: '1000.00' };
const order = { id: 1, user_id: 1, product_id: 1, quantity: 1 };

describe('User rules', () => {
  it.each([
    ['id 1', { id: 1 }, []],
    ['id max safe integer', { id: Number.MAX_SAFE_INTEGER }, []],
    ['id 0', { id: 0 }, ['invalid_id']],
    ['id -1', { id: -1 }, ['invalid_id']],
    ['id 1.5', { id: 1.5 }, ['invalid_id']],
    ['id string', { id: '1' }, ['invalid_id']],
    ['id beyond safe integer', { id: 2 ** 53 }, ['invalid_id']],
    ['id missing', { id: undefined }, ['invalid_id']],
    ['name 2 chars', { name: 'Al' }, []],
    ['name 1 char', { name: 'A' }, ['invalid_name']],
    ['name empty', { name: '' }, ['invalid_name']],
    ['name blank', { name: '   ' }, ['invalid_name']],
    ['name 2 chars after trim', { name: '  Al  ' }, []],
    ['name 1 char after trim', { name: ' A \t' }, ['invalid_name']],
    ['name 100 chars', { name: 'x'.repeat(100) }, []],
    ['name 101 chars', { name: 'x'.repeat(101) }, ['invalid_name']],
    ['name 100 emoji (code points)', { name: '😀'.repeat(100) }, []],
    ['name with NUL', { name: 'Al\u0000ice' }, ['invalid_name']],
    ['name number', { name: 42 }, ['invalid_name']],
    ['email plain', { email: 'a@b.co' }, []],
    ['email plus tag', { email: 'first.last+tag@sub.example.org' }, []],
    ['email no at', { email: 'alice.example.com' }, ['invalid_email']],
    ['email no tld', { email: 'alice@example' }, ['invalid_email']],
    ['email one-letter tld', { email: 'alice@example.c' }, ['invalid_email']],
    ['email space', { email: 'al ice@example.com' }, ['invalid_email']],
    ['email leading space', { email: ' alice@example.com' }, ['invalid_email']],
    ['email two ats', { email: 'a@b@example.com' }, ['invalid_email']],
    [
      'email 254 chars',
      { email: `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com` },
      [],
    ],
    [
      'email 255 chars',
      { email: `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(58)}.com` },
      ['invalid_email'],
    ],
    ['email local part 65 chars', { email: `${'a'.repeat(65)}@example.com` }, ['invalid_email']],
    ['email null', { email: null }, ['invalid_email']],
  ])('%s', (_label, patch, expected) => {
    expect(codes(UserModel, { ...user, ...patch })).toEqual(expected);
  });
});

describe('Product rules', () => {
  it.each([
    ['price 0.01', '0.01', []],
    ['price 0.00', '0.00', ['invalid_price']],
    ['price 0', 0, ['invalid_price']],
    ['price 999999.99', '999999.99', []],
    ['price 1000000.00', '1000000.00', ['invalid_price']],
    ['price number 19.99', 19.99, []],
    ['price number 1000', 1000, []],
    ['price negative', '-50.00', ['invalid_price']],
    ['price three decimals', '1.005', ['invalid_price']],
    ['price number three decimals', 1.005, ['invalid_price']],
    ['price one decimal', '12.5', []],
    ['price not a number', 'abc', ['invalid_price']],
    ['price exponent', '1e3', ['invalid_price']],
    ['price tiny number', 1e-7, ['invalid_price']],
    ['price NaN-like', 'NaN', ['invalid_price']],
    ['price boolean', true, ['invalid_price']],
    ['price missing', undefined, ['invalid_price']],
  ])('%s', (_label, price, expected) => {
    expect(codes(ProductModel, { ...product, price })).toEqual(expected);
  });

  it('stores prices as exact integer cents', () => {
    expect(validateRecord(ProductModel, { ...product, price: 19.99 }).row.price).toBe(1999);
    expect(validateRecord(ProductModel, { ...product, price: '999999.99' }).row.price).toBe(99999999);
    expect(validateRecord(ProductModel, { ...product, price: '0.1' }).row.price).toBe(10);
  });
});

describe('Order rules', () => {
  it.each([
    ['quantity 1', { quantity: 1 }, []],
    ['quantity 1000', { quantity: 1000 }, []],
    ['quantity 0', { quantity: 0 }, ['invalid_quantity']],
    ['quantity -1', { quantity: -1 }, ['invalid_quantity']],
    ['quantity 1001', { quantity: 1001 }, ['invalid_quantity']],
    ['quantity 2.5', { quantity: 2.5 }, ['invalid_quantity']],
    ['quantity string', { quantity: '3' }, ['invalid_quantity']],
    ['user_id 0', { user_id: 0 }, ['invalid_user_id']],
    ['user_id string', { user_id: 'x' }, ['invalid_user_id']],
    ['product_id -3', { product_id: -3 }, ['invalid_product_id']],
    ['product_id missing', { product_id: undefined }, ['invalid_product_id']],
  ])('%s', (_label, patch, expected) => {
    expect(codes(OrderModel, { ...order, ...patch })).toEqual(expected);
  });
});

describe('records with several problems', () => {
  it('reports every problem, in the order of the failure code list', () => {
    const v = validateRecord(UserModel, { id: -1, name: '', email: 'nope' });
    expect(v.issues.map((i) => i.code)).toEqual(['invalid_id', 'invalid_name', 'invalid_email']);
  });

  it.each([
    ['a string', 'hello'],
    ['null', null],
    ['an array', [1, 2]],
    ['a number', 7],
  ])('a record that is %s is an invalid record, not a crash', (_label, input) => {
    expect(codes(UserModel, input)).toEqual(['invalid_id']);
  });
});
