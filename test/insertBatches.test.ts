import { describe, expect, it } from 'vitest';
import { DistdbError } from '../dist/index.js';
import { INSERT_MANY_BATCH, inBatches } from '../dist/queries/insertBatches.js';

describe('an insertMany written batch by batch', () => {
  const records = Array.from({ length: 2 * INSERT_MANY_BATCH + 5 }, (_, i) => ({ id: i + 1 }));

  it('writes the records in input order, a batch at a time, with every outcome in its position', async () => {
    const sizes: number[] = [];
    const outcomes = await inBatches(records, async (batch) => {
      sizes.push(batch.length);
      return batch.map((r) => ({ ok: true as const, id: r.id }));
    });
    expect(sizes).toEqual([INSERT_MANY_BATCH, INSERT_MANY_BATCH, 5]);
    expect(outcomes.map((o) => o.id)).toEqual(records.map((r) => r.id));
  });

  it('a failed batch says how far the whole got, naming the database, and later batches are not tried', async () => {
    let calls = 0;
    const failing = inBatches(records, async (batch) => {
      if (++calls === 2)
        throw new DistdbError(
          'query',
          'insertMany decided 3 of 10000 records, then: database "orders": gone',
          {
            alias: 'orders',
          },
        );
      return batch.map((r) => ({ ok: true as const, id: r.id }));
    });
    const err = await failing.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DistdbError);
    expect((err as DistdbError).message).toBe(
      `insertMany decided ${INSERT_MANY_BATCH} of ${records.length} records, then: database "orders": gone`,
    );
    expect((err as DistdbError).alias).toBe('orders');
    expect(calls).toBe(2);
  });

  it('a batch whose atomic is in doubt keeps its reason, for the command line to advise on', async () => {
    const err = await inBatches(records, async () => {
      throw new DistdbError('runtime', 'atomic: whether transaction t committed is not known', {
        reason: 'atomic_in_doubt',
      });
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      kind: 'runtime',
      reason: 'atomic_in_doubt',
      message: `insertMany decided 0 of ${records.length} records, then: atomic: whether transaction t committed is not known`,
    });
  });
});
