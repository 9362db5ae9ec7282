import { ProductModel, UserModel } from 'distdb';
import { describe, expect, it } from 'vitest';
// Internal: which rows of a batch may be written while the previous batch commits.
import { batchKeys, deferredRows } from '../dist/store/keyDigest.js';

const users = (...rows: [number | string, string][]) =>
  rows.map(([id, email]) => ({ id, name: 'Person', email }) as Record<string, string | number>);

/** Rows of `next` that wait for `previous` to commit. */
function waiting(previous: ReturnType<typeof users>, next: ReturnType<typeof users>): number[] {
  const prev = batchKeys(UserModel.table, previous);
  const keys = batchKeys(UserModel.table, next);
  return [...deferredRows(keys, next.length, prev?.digest)].flatMap((d, i) => (d === 1 ? [i] : []));
}

describe('batch keys for writing ahead', () => {
  it('a row waits when it may share a key with the previous batch, compared as the server compares', () => {
    const previous = users([1, 'ann@example.com'], [2, 'bob@example.com']);
    expect(waiting(previous, users([3, 'cy@example.com'], [4, 'dee@example.com']))).toEqual([]);
    expect(waiting(previous, users([3, 'ANN@Example.COM']))).toEqual([0]); // email, other case
    expect(waiting(previous, users([2, 'new@example.com']))).toEqual([0]); // id
    expect(waiting(previous, users(['002', 'new@example.com']))).toEqual([0]); // id as text
    // An id equal to an email's text is not the same key.
    expect(waiting(users([5, '7']), users([7, 'x@example.com']))).toEqual([]);
  });

  it('a later row sharing a key with a waiting row waits too; an earlier one does not', () => {
    const previous = users([1, 'ann@example.com']);
    const next = users(
      [10, 'zed@example.com'], // shares its email with row 3, but comes first: written early
      [11, 'ann@example.com'], // the previous batch's email: waits
      [12, 'amy@example.com'],
      [11, 'zed@example.com'], // the id of a waiting row: waits
      [13, 'amy@EXAMPLE.com'], // shares only with row 2, which does not wait
    );
    expect(waiting(previous, next)).toEqual([1, 3]);
  });

  it('keys it cannot compare exactly make every row wait', () => {
    // Case folding beyond ASCII depends on the server's collation.
    expect(batchKeys(UserModel.table, users([1, 'ünal@example.com']))).toBeUndefined();
    expect(
      waiting(users([1, 'ünal@example.com']), users([2, 'b@example.com'], [3, 'c@example.com'])),
    ).toEqual([0, 1]);
    expect(waiting(users([1, 'a@example.com']), users([2, 'ünal@example.com']))).toEqual([0]);
    // Names are no key: they never make a row wait.
    expect(batchKeys(ProductModel.table, [{ id: 1, name: 'Ünal', price: 100 }])?.digest).toEqual(
      batchKeys(ProductModel.table, [{ id: 1, name: 'Other', price: 100 }])?.digest,
    );
  });
});
