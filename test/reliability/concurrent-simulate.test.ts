/**
 * Issue item 2: two `distdb simulate --append` processes at once over overlapping datasets.
 * Exactly one row per distinct email and id, every record decided exactly once per process, the
 * winner's record is the one stored, no crash and no lock error reaching a record outcome.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backendCases, type Deployment } from '../support/deployments.js';
import { runCliAsync, urlFlags } from '../support/processes.js';
import { modelSnapshot, orphanOrders, type RawRow, withRaw } from '../support/rawdb.js';

type Rec = Record<string, string | number>;
interface DatasetFile {
  users: Rec[];
  products: Rec[];
  orders: Rec[];
}

/** A: users 1..3000, products 1..1000, orders 1..2000. B overlaps every model, ids and emails. */
function datasets(): { a: DatasetFile; b: DatasetFile } {
  const a: DatasetFile = { users: [], products: [], orders: [] };
  const b: DatasetFile = { users: [], products: [], orders: [] };
  for (let i = 1; i <= 3000; i++)
    a.users.push({ id: i, name: `Alpha ${i}`, email: `person${i}@example.com` });
  for (let i = 1501; i <= 4500; i++) {
    // Same ids as A (same or case-changed email, or a fresh one), then fresh ids reusing A's emails.
    const email =
      i <= 3000
        ? i % 3 === 0
          ? `person${i}@example.com`
          : i % 3 === 1
            ? `PERSON${i}@EXAMPLE.COM`
            : `other${i}@example.com`
        : i <= 3750
          ? `Person${i - 3000}@Example.com`
          : `beta${i}@example.org`;
    b.users.push({ id: i, name: `Beta ${i}`, email });
  }
  for (let i = 1; i <= 1000; i++) a.products.push({ id: i, name: `Alpha product ${i}`, price: `${i}.25` });
  for (let i = 501; i <= 1500; i++)
    b.products.push({ id: i, name: `Beta product ${i}`, price: (i % 97) + 0.5 });
  for (let i = 1; i <= 2000; i++)
    a.orders.push({
      id: i,
      user_id: 1 + ((i * 7) % 3000),
      product_id: 1 + ((i * 3) % 1000),
      quantity: 1 + (i % 5),
    });
  for (let i = 1001; i <= 3000; i++)
    b.orders.push({
      id: i,
      user_id: 1501 + ((i * 11) % 3000),
      product_id: 501 + ((i * 5) % 1000),
      quantity: 1 + (i % 7),
    });
  return { a, b };
}

const MODELS = [
  { model: 'user', key: 'users', alias: 'users' },
  { model: 'product', key: 'products', alias: 'products' },
  { model: 'order', key: 'orders', alias: 'orders' },
] as const;

interface FailureRow {
  seq: number;
  model: string;
  code: string;
  message: string;
}

async function runFailures(d: Deployment, runId: number): Promise<FailureRow[]> {
  return withRaw(d.urls.default as string, async (db) =>
    (
      await db.query(
        'SELECT seq, model, code, message FROM distdb_run_failures WHERE run_id = ? ORDER BY seq',
        [runId],
      )
    ).map((r) => ({
      seq: Number(r.seq),
      model: String(r.model),
      code: String(r.code),
      message: String(r.message),
    })),
  );
}

/** What a process decided for each record: id → record for the ones it landed, and its failures. */
function decisions(set: DatasetFile, failures: FailureRow[]) {
  const failedSeq = new Map(failures.map((f) => [f.seq, f]));
  const out: Record<string, { landed: Map<number, Rec>; failed: { rec: Rec; f: FailureRow }[] }> = {};
  let offset = 0;
  for (const m of MODELS) {
    const records = set[m.key];
    const landed = new Map<number, Rec>();
    const failed: { rec: Rec; f: FailureRow }[] = [];
    records.forEach((rec, i) => {
      const f = failedSeq.get(offset + i);
      if (f) failed.push({ rec, f });
      else landed.set(Number(rec.id), rec);
    });
    out[m.key] = { landed, failed };
    offset += records.length;
  }
  return out;
}

const LOCK_WORDS = /busy|locked|lock|deadlock|serializ|timeout|SQLITE_|ER_|could not|terminated/i;

const cases = backendCases();
const cleanups: Deployment[] = [];
afterAll(async () => {
  for (const d of cleanups) await d.cleanup();
});

describe.each(cases)('two simulate --append processes at once on $name', (backend) => {
  const rounds = backend.name === 'sqlite' ? [4, 8] : [3, 4];
  it.skipIf(!backend.available).each(rounds)(
    'overlapping datasets at --threads %i: one row per id and email, every record decided once',
    async (threads) => {
      const d = await backend.create();
      cleanups.push(d);
      const { a, b } = datasets();
      writeFileSync(join(d.dir, 'a.json'), JSON.stringify(a));
      writeFileSync(join(d.dir, 'b.json'), JSON.stringify(b));
      const args = (file: string) => [
        'simulate',
        '--dataset',
        file,
        '--append',
        '--json',
        '--no-progress',
        '--threads',
        String(threads),
        ...urlFlags(d.urls),
      ];
      // Both start on empty databases, so they also migrate concurrently.
      const [ra, rb] = await Promise.all([
        runCliAsync(args('a.json'), { cwd: d.dir }),
        runCliAsync(args('b.json'), { cwd: d.dir }),
      ]);
      expect({ code: ra.code, stderr: ra.stderr }).toEqual({ code: 0, stderr: '' });
      expect({ code: rb.code, stderr: rb.stderr }).toEqual({ code: 0, stderr: '' });
      const reportA = JSON.parse(ra.stdout);
      const reportB = JSON.parse(rb.stdout);
      expect(reportA.run).not.toBe(reportB.run);

      const snap = await modelSnapshot(d.urls);
      const failuresA = await runFailures(d, reportA.run);
      const failuresB = await runFailures(d, reportB.run);
      for (const [set, report, failures] of [
        [a, reportA, failuresA],
        [b, reportB, failuresB],
      ] as const) {
        const total = set.users.length + set.products.length + set.orders.length;
        expect(report.totals.attempted).toBe(total);
        expect(report.totals.succeeded + report.totals.failed).toBe(total);
        // Each record decided once: one stored failure at most per dataset position.
        expect(new Set(failures.map((f) => f.seq)).size).toBe(failures.length);
        expect(failures.length).toBe(report.totals.failed);
        for (const f of failures) {
          expect(['duplicate_id', 'duplicate_email', 'unknown_user', 'unknown_product']).toContain(f.code);
          expect(f.message).not.toMatch(LOCK_WORDS);
        }
      }

      const da = decisions(a, failuresA);
      const db = decisions(b, failuresB);
      for (const m of MODELS) {
        const rows = snap[m.key] as RawRow[];
        const ids = rows.map((r) => Number(r.id));
        expect(new Set(ids).size).toBe(ids.length);
        const landedA = da[m.key]?.landed as Map<number, Rec>;
        const landedB = db[m.key]?.landed as Map<number, Rec>;
        // Exactly one process landed each stored row, and every landed record is stored.
        const both = [...landedA.keys()].filter((id) => landedB.has(id));
        expect(both, `${m.key} ids landed by both processes`).toEqual([]);
        expect(ids).toEqual([...new Set([...landedA.keys(), ...landedB.keys()])].sort((x, y) => x - y));
        for (const row of rows) {
          const rec = landedA.get(Number(row.id)) ?? landedB.get(Number(row.id));
          const field = m.key === 'orders' ? 'user_id' : 'name';
          expect(String(row[field]), `${m.key} ${row.id}`).toBe(String(rec?.[field]));
        }
        // A duplicate is only ever reported for a value that is really stored.
        const storedEmails = new Set(rows.map((r) => String(r.email).toLowerCase()));
        for (const { rec, f } of [...(da[m.key]?.failed ?? []), ...(db[m.key]?.failed ?? [])]) {
          if (f.code === 'duplicate_id') expect(ids).toContain(Number(rec.id));
          if (f.code === 'duplicate_email')
            expect(storedEmails.has(String(rec.email).toLowerCase())).toBe(true);
        }
      }
      const emails = (snap.users ?? []).map((r) => String(r.email).toLowerCase());
      expect(new Set(emails).size).toBe(emails.length);
      // Overlaps were really contended: ids 1501..3000 and A's emails 1..750 are claimed twice.
      expect((snap.users ?? []).length).toBe(4500 - 750);
      expect(orphanOrders(snap)).toEqual([]);
    },
    180_000,
  );
});
