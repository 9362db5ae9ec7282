import { canonicalDataset, type RunReport, simulate, UserModel } from 'distdb';
import { describe, expect, it } from 'vitest';
import { CANONICAL_OUTCOME, outcomeOf } from '../support/canonical.js';
import { backendCases, useDeployment } from '../support/deployments.js';

describe.each(backendCases())('simulate on $name', (backend) => {
  const use = useDeployment(backend);

  const threadCounts = backend.name === 'sqlite' ? [1, 10, 64] : [1, 32];
  it.skipIf(!backend.available).each(threadCounts)(
    'canonical dataset gives 24/30 at --threads %i',
    async (threads) => {
      // One record per batch, so every thread gets work and the race is real.
      const report = await simulate(use.db(), {
        threads,
        existing: 'reset',
        confirmReset: true,
        batchSize: 1,
      });
      expect(outcomeOf(report)).toEqual(CANONICAL_OUTCOME);
      expect(report.threads).toBe(threads);
      // Ten users and ten products batches are in flight at once: a thread for each, up to --threads.
      expect(report.workersStarted).toBe(Math.min(threads, 20));
      // The per-thread figures list the threads that ran.
      expect(report.threadStats.map((t) => t.thread)).toEqual(
        Array.from({ length: report.workersStarted }, (_, i) => i + 1),
      );
      expect(report.threadStats.reduce((n, t) => n + t.records, 0)).toBe(30);
      // Counted in the databases themselves.
      const counts = await Promise.all(
        [
          ['users', 'users'],
          ['products', 'products'],
          ['orders', 'orders'],
        ].map(async ([alias, table]) => {
          const conn = await use.db().connection(alias as string);
          const rows = await conn.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`);
          return Number(rows[0]?.n);
        }),
      );
      expect(counts).toEqual([8, 9, 7]);
    },
  );

  it.skipIf(!backend.available)(
    'refuses to write into tables that hold rows without --append or --reset',
    async () => {
      await expect(simulate(use.db(), { threads: 2 })).rejects.toThrow(
        /already holds \d+ rows: existing: 'append' keeps them, existing: 'reset' empties them first$/,
      );
    },
  );

  it.skipIf(!backend.available)(
    '--append keeps existing rows and reports re-inserted records as duplicates',
    async () => {
      await simulate(use.db(), { threads: 4, existing: 'reset', confirmReset: true });
      const report = await simulate(use.db(), { threads: 4, existing: 'append' });
      expect(report.totals.succeeded).toBe(0);
      expect(report.models.user).toMatchObject({ attempted: 10, succeeded: 0 });
      expect(report.failures.filter((f) => f.model === 'user').map((f) => f.code)).toEqual([
        ...Array(7).fill('duplicate_id'),
        'duplicate_email', // id 8 never landed, its email did (as user 1)
        'duplicate_id',
        'invalid_name',
      ]);
      expect(await use.db().count(UserModel)).toBe(8);
    },
  );

  it.skipIf(!backend.available)(
    'duplicate emails raced by 32 threads: exactly one row per email, the first in dataset order',
    async () => {
      const emails = Array.from({ length: 40 }, (_, i) => `person${i}@example.com`);
      // 40 distinct addresses, each written 8 times in different cases, interleaved.
      const users = [];
      for (let round = 0; round < 8; round++) {
        for (const [i, email] of emails.entries()) {
          const variant = round % 2 === 0 ? email : email.toUpperCase();
          users.push({ id: round * 1000 + i + 1, name: `Person ${i} r${round}`, email: variant });
        }
      }
      const report = await simulate(use.db(), {
        threads: 32,
        existing: 'reset',
        confirmReset: true,
        batchSize: 1,
        dataset: { kind: 'records', name: 'race', records: { users } },
      });
      expect(report.totals).toMatchObject({ attempted: 320, succeeded: 40, failed: 280 });
      expect(report.failuresByCode).toEqual({ duplicate_email: 280 });
      const conn = await use.db().connection('users');
      const rows = await conn.query<{ id: number; email: string }>('SELECT id, email FROM users ORDER BY id');
      expect(rows.map((r) => [Number(r.id), r.email])).toEqual(emails.map((e, i) => [i + 1, e]));
    },
  );

  it.skipIf(!backend.available)(
    'keys shared across batch boundaries: the same outcome and rows in many small batches on 4 threads as in one batch',
    async () => {
      // Pairs of records share an email (in another case); every seventh record reuses the
      // previous record's id; with batches of 3, many pairs straddle two batches.
      const users = Array.from({ length: 90 }, (_, i) => ({
        id: i % 7 === 6 ? i : i + 1,
        name: `Person ${i}`,
        email: i % 2 === 0 ? `p${i >> 1}@example.com` : `P${i >> 1}@Example.COM`,
      }));
      const run = async (threads: number, batchSize: number) => {
        const report = await simulate(use.db(), {
          threads,
          existing: 'reset',
          confirmReset: true,
          batchSize,
          dataset: { kind: 'records', name: 'straddle', records: { users } },
        });
        const conn = await use.db().connection('users');
        const rows = await conn.query<{ id: number; email: string }>(
          'SELECT id, email FROM users ORDER BY id',
        );
        return {
          failures: report.failures.map((f) => [f.id, f.code, f.message]),
          rows: rows.map((r) => [Number(r.id), r.email]),
        };
      };
      const whole = await run(1, 90);
      expect(whole.rows.length).toBeGreaterThan(30);
      expect(whole.failures.length).toBeGreaterThan(40);
      for (let round = 0; round < 3; round++) expect(await run(4, 3)).toEqual(whole);
    },
  );

  it.skipIf(!backend.available)(
    'records with wrong types or missing fields are failed records, not crashes',
    async () => {
      const report = await simulate(use.db(), {
        threads: 3,
        existing: 'reset',
        confirmReset: true,
        dataset: {
          kind: 'records',
          name: 'odd',
          records: {
            users: [
              { id: 1, name: 'Ann', email: 'ann@example.com' },
              'not a record',
              { id: '2', name: 5 },
              null,
            ],
            products: [{ id: 1, name: 'Tea', price: '3.5' }, { id: 2, name: 'Gold', price: '1000000' }, {}],
            orders: [
              { id: 1, user_id: 1, product_id: 1, quantity: 1 },
              { id: 2, user_id: 1, product_id: 1, quantity: 2.5 },
              [],
            ],
          },
        },
      });
      expect(report.totals).toMatchObject({ attempted: 10, succeeded: 3, failed: 7 });
      expect(report.failures.map((f) => [f.model, f.id, f.code])).toEqual([
        ['user', null, 'invalid_id'],
        ['user', '2', 'invalid_id'],
        ['user', null, 'invalid_id'],
        ['product', 2, 'invalid_price'],
        ['product', null, 'invalid_id'],
        ['order', 2, 'invalid_quantity'],
        ['order', null, 'invalid_id'],
      ]);
    },
  );

  it.skipIf(!backend.available)('records the run in the default database', async () => {
    const report = await simulate(use.db(), {
      threads: 2,
      existing: 'reset',
      confirmReset: true,
      dataset: canonicalDataset(),
    });
    const conn = await use.db().connection('default');
    const rows = await conn.query('SELECT status, threads, config FROM distdb_runs WHERE id = ?', [
      report.run,
    ]);
    expect(rows[0]).toMatchObject({ status: 'completed', threads: 2 });
    const failures = await conn.query<{ n: number }>(
      'SELECT COUNT(*) AS n FROM distdb_run_failures WHERE run_id = ?',
      [report.run],
    );
    expect(Number(failures[0]?.n)).toBe(6);
  });
  it.skipIf(!backend.available)(
    'a big orders phase (checked against a snapshot of ids) decides exactly as per-batch lookups',
    async () => {
      // 20,000 orders reach the snapshot threshold, 19,999 do not; generated record i does not
      // depend on the number of orders, so the first 19,999 orders must be decided identically.
      const run = async (orders: number) => {
        const report = await simulate(use.db(), {
          threads: 4,
          existing: 'reset',
          confirmReset: true,
          failureCap: 100_000,
          dataset: {
            kind: 'generated',
            name: 'snapshot',
            spec: { seed: 5, users: 2000, products: 1000, orders, invalidRatio: 0.2 },
          },
        });
        expect(report.expectations?.mismatches).toBe(0);
        return report;
      };
      const lookups = await run(19_999);
      const snapshot = await run(20_000);
      const orderFailures = (r: RunReport) =>
        r.failures.filter((f) => f.model === 'order').map((f) => [f.id, f.code, f.message]);
      const last = orderFailures(snapshot).at(-1);
      const withoutLast =
        last?.[0] === 20_000 ? orderFailures(snapshot).slice(0, -1) : orderFailures(snapshot);
      expect(withoutLast).toEqual(orderFailures(lookups));
      const codes = new Set(orderFailures(snapshot).map((f) => f[1]));
      expect(codes).toContain('unknown_user');
      expect(codes).toContain('unknown_product');
      const conn = await use.db().connection('orders');
      const rows = await conn.query<{ n: number }>('SELECT COUNT(*) AS n FROM orders');
      expect(Number(rows[0]?.n)).toBe(snapshot.models.order?.succeeded);
    },
  );
});
