import { type FieldDef, uniqueFields } from '../../models/model.js';
import { recordId } from '../../models/validate.js';
import { INSUFFICIENT_STOCK } from './drawStage.js';
import type { DatasetRecord } from './modelRecords.js';
import { QUANTITY_FIELD, STOCK_FIELD, type StockPlan, uniqueValue } from './stockPlan.js';

/**
 * The outcome a generated record of an atomic run should have, worked out one record after the
 * other in dataset order: what the generator intends, except that a record it means to succeed
 * fails with `insufficient_stock` once it draws more than is left, and a copy of such a record's
 * unique value is then no duplicate (the generator makes copies of records it means to land,
 * otherwise valid). The run decides records concurrently; this is what it is checked against.
 */
export class StockOracle {
  readonly #left = new Map<string, number>();
  /** Unique field → the values records that succeed hold. */
  readonly #taken = new Map<FieldDef, Set<string>>();

  constructor(
    private readonly plan: StockPlan,
    stocked: Iterable<DatasetRecord>,
  ) {
    for (const r of stocked) {
      if (r.rejected || r.intended !== 'ok') continue;
      const fields = r.record as Record<string, unknown>;
      this.#left.set(String(recordId(plan.stocked, r.record)), Number(fields[STOCK_FIELD]));
    }
    for (const f of uniqueFields(plan.drawing)) this.#taken.set(f, new Set());
  }

  /** Called for each record in dataset order. */
  expect(r: DatasetRecord): string | undefined {
    if (r.rejected || r.intended === undefined) return undefined;
    const fields = r.record as Record<string, unknown>;
    const copied = [...this.#taken.keys()].find((f) => f.duplicateCode === r.intended);
    if (r.intended !== 'ok' && !copied) return r.intended;
    if (copied && this.#taken.get(copied)?.has(uniqueValue(copied, fields))) return r.intended;
    const from = String(fields[this.plan.via.name]);
    const left = this.#left.get(from) ?? 0;
    const wanted = Number(fields[QUANTITY_FIELD]);
    if (left < wanted) return INSUFFICIENT_STOCK;
    this.#left.set(from, left - wanted);
    for (const [f, values] of this.#taken) values.add(uniqueValue(f, fields));
    return 'ok';
  }
}
