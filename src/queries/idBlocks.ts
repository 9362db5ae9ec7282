import type { Connection } from '../db/dialect.js';
import { type AnyModel, primaryField } from '../models/model.js';
import { ID_BLOCKS_TABLE as BLOCKS } from '../schema/distdbTables.js';
import { type Access, build, run } from './context.js';
import { ensureOwnTableAt } from './ownTables.js';

/** Ids a process takes at a time: one round trip per thousand single inserts, and per insertMany. */
export const ID_BLOCK = 1000;

/** Where a model's blocks are drawn, and the highest id its databases hold (where the first block starts). */
export interface IdSource {
  readonly access: Access;
  highest(): Promise<number>;
}

/**
 * Reserves `count` ids in the model's row of the blocks table and returns the first: one
 * UPDATE that moves the row on and a read of it, in a transaction of their own (a savepoint of
 * the caller's, when the source is a transaction's). The row is made on first use, after the
 * highest id held.
 */
export async function drawBlock(source: IdSource, model: AnyModel, count: number): Promise<number> {
  const { access } = source;
  await ensureOwnTableAt(access, BLOCKS);
  // Inside an open transaction this is a savepoint: a failed step undoes only itself.
  const inTurn = <T>(work: (conn: Connection) => Promise<T>) => access.conn.transaction(work);
  for (let attempt = 1; ; attempt++) {
    const start = await inTurn((conn) => moveOn({ ...access, conn }, model, count));
    if (start !== undefined) return start;
    const first = (await source.highest()) + 1;
    try {
      await inTurn(async (conn) => {
        const q = await build({ ...access, conn }, (k) =>
          k.insertInto(BLOCKS.name).values({ model: model.label, next_id: first + count }),
        );
        await run({ ...access, conn }, q);
      });
      return first;
    } catch (err) {
      // Another process made the row first: draw from it.
      if (attempt === 3) throw err;
    }
  }
}

async function moveOn(at: Access, model: AnyModel, count: number): Promise<number | undefined> {
  const bump = await build(at, (k) =>
    k
      .updateTable(BLOCKS.name)
      .set((eb) => ({ next_id: eb('next_id', '+', count) }))
      .where('model', '=', model.label),
  );
  if ((await run(at, bump)).changes === 0) return undefined;
  const read = await build(at, (k) =>
    k.selectFrom(BLOCKS.name).select('next_id').where('model', '=', model.label),
  );
  const row = (await run(at, read)).rows[0];
  return Number(row?.next_id) - count;
}

/** The highest id among `databases` (0 when they are empty). */
export async function highestId(model: AnyModel, databases: readonly Access[]): Promise<number> {
  const key = model.table.primaryKey;
  let top = 0;
  for (const at of databases) {
    const q = await build(at, (k) => k.selectFrom(model.table.name).select((eb) => eb.fn.max(key).as('top')));
    top = Math.max(top, Number((await run(at, q)).rows[0]?.top ?? 0));
  }
  return top;
}

interface Free {
  next: number;
  readonly end: number;
}

/**
 * The ids a deployment has drawn and not yet given, per model. A block outlives the call that
 * drew it; the ids left when the process ends are never used (gaps, as a sequence leaves).
 */
export class IdBlocks {
  readonly #free = new Map<string, Free>();

  async take(model: AnyModel, count: number, draw: (n: number) => Promise<number>): Promise<number[]> {
    const ids: number[] = [];
    const free = this.#free.get(model.label);
    while (free && free.next < free.end && ids.length < count) ids.push(free.next++);
    const need = count - ids.length;
    if (need === 0) return ids;
    const size = Math.max(need, ID_BLOCK);
    const first = await draw(size);
    for (let i = 0; i < need; i++) ids.push(first + i);
    const left: Free = { next: first + need, end: first + size };
    // Two calls drawing at once each keep what they did not use; the larger rest stays.
    const now = this.#free.get(model.label);
    if (!now || now.end - now.next < left.end - left.next) this.#free.set(model.label, left);
    return ids;
  }
}

/** Whether records of `model` may come without an id. */
export function generatesIds(model: AnyModel): boolean {
  const t = primaryField(model).type;
  return t.kind === 'id' && t.generated === true;
}

/**
 * The records, each without an id given one of `ids(n)` in input order. Records that are not
 * objects are left to validation.
 */
export async function withIds(
  model: AnyModel,
  records: readonly unknown[],
  ids: (count: number) => Promise<number[]>,
): Promise<readonly unknown[]> {
  if (!generatesIds(model)) return records;
  const key = model.table.primaryKey;
  const missing: number[] = [];
  for (const [p, r] of records.entries()) {
    const v =
      typeof r === 'object' && r !== null && !Array.isArray(r) ? (r as Record<string, unknown>)[key] : 0;
    if (v === undefined || v === null) missing.push(p);
  }
  if (missing.length === 0) return records;
  const drawn = await ids(missing.length);
  const out = [...records];
  missing.forEach((p, k) => {
    out[p] = { ...(records[p] as object), [key]: drawn[k] };
  });
  return out;
}
