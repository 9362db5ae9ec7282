import type { Distdb } from '../../distdb.js';
import type { AnyModel } from '../../models/model.js';
import { recordId } from '../../models/validate.js';
import type { DatasetRecord } from './modelRecords.js';
import { QUANTITY_FIELD, STOCK_FIELD, type StockPlan } from './stockPlan.js';

/** The end of an atomic run's check: per stocked record, initial stock = stock left + quantities drawn. */
export interface StockCheck {
  readonly holds: boolean;
  /** Stocked records compared. */
  readonly records: number;
  readonly initial: number;
  readonly left: number;
  readonly drawn: number;
  /** The first records (by id) for which it does not hold. */
  readonly wrong: { id: string; initial: number | null; left: number | null; drawn: number }[];
}

const PAGE = 5_000;
const WRONG_LISTED = 20;

/** Every record of `model`, page by page in primary-key order (each page one query). */
async function eachRecord(
  db: Distdb,
  model: AnyModel,
  visit: (r: Record<string, unknown>) => void,
): Promise<void> {
  const key = model.table.primaryKey;
  for (let last: unknown; ; ) {
    const where = last === undefined ? {} : { [key]: { gt: last } };
    const page = await db.find(model, { where, orderBy: [{ [key]: 'asc' }], limit: PAGE });
    for (const r of page) visit(r as Record<string, unknown>);
    if (page.length < PAGE) return;
    last = (page[page.length - 1] as Record<string, unknown>)[key];
  }
}

/**
 * Checks the books once every record is decided, against the databases. The initial stock of
 * each stocked record is the one its dataset record gave (`stockedRecords`, those that failed
 * left out by `failed`), read again rather than remembered, so a resumed run is checked whole.
 */
export async function checkStock(
  db: Distdb,
  plan: StockPlan,
  stockedRecords: Iterable<DatasetRecord>,
  failed: ReadonlySet<number>,
): Promise<StockCheck> {
  const initial = new Map<string, number>();
  for (const r of stockedRecords) {
    if (r.rejected || failed.has(r.index)) continue;
    const fields = r.record as Record<string, unknown>;
    initial.set(String(recordId(plan.stocked, r.record)), Number(fields[STOCK_FIELD]));
  }
  const left = new Map<string, number>();
  const drawn = new Map<string, number>();
  // Read where the run wrote (its worker threads too), never from a replica behind it.
  await db.primary(async () => {
    await eachRecord(db, plan.stocked, (r) =>
      left.set(String(r[plan.stocked.table.primaryKey]), Number(r[STOCK_FIELD])),
    );
    await eachRecord(db, plan.drawing, (r) => {
      const from = String(r[plan.via.name]);
      drawn.set(from, (drawn.get(from) ?? 0) + Number(r[QUANTITY_FIELD]));
    });
  });
  const ids = [...new Set([...initial.keys(), ...left.keys()])].sort(byId);
  const wrong: StockCheck['wrong'] = [];
  let bad = 0;
  for (const id of ids) {
    const i = initial.get(id);
    const l = left.get(id);
    const d = drawn.get(id) ?? 0;
    if (i !== undefined && l !== undefined && i === l + d && l >= 0) continue;
    bad++;
    if (wrong.length < WRONG_LISTED) wrong.push({ id, initial: i ?? null, left: l ?? null, drawn: d });
  }
  // Drawn from a record that is not there at all: taken from nothing.
  for (const [id, d] of drawn) {
    if (left.has(id) || initial.has(id)) continue;
    bad++;
    if (wrong.length < WRONG_LISTED) wrong.push({ id, initial: null, left: null, drawn: d });
  }
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  return {
    holds: bad === 0,
    records: ids.length,
    initial: sum(initial),
    left: sum(left),
    drawn: sum(drawn),
    wrong,
  };
}

function byId(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  return Number.isFinite(x) && Number.isFinite(y) ? x - y : a < b ? -1 : a > b ? 1 : 0;
}
