import type { Distdb } from '../distdb.js';
import type { Access } from '../queries/context.js';
import { shardIndex } from '../routing/sharding.js';
import { pausePoint } from '../util/pausePoint.js';
import type { ReshardPlan } from './plan.js';
import {
  consumeChanges,
  eachChunk,
  insertCopies,
  pendingChanges,
  type Rec,
  recordsOf,
  replaceCopies,
} from './rows.js';

/** The database of the new layout that holds the record with id `id`. */
export function targetOf(plan: ReshardPlan, id: unknown): string {
  return plan.to[shardIndex(id, plan.to.length)] as string;
}

/** Records (or ids) by the database of the new layout they move to; those that stay are left out. */
function moving<T>(
  plan: ReshardPlan,
  from: string,
  items: readonly T[],
  id: (x: T) => unknown,
): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const to = targetOf(plan, id(item));
    if (to === from) continue;
    const list = out.get(to);
    if (list) list.push(item);
    else out.set(to, [item]);
  }
  return out;
}

/**
 * Copies the rows of old shard `from` that move, in id order from `after` on, into their new
 * databases; `save` keeps the last id copied, so an interrupted copy goes on from there.
 * Returns how many rows it copied.
 */
export async function copyShard(
  db: Distdb,
  plan: ReshardPlan,
  from: string,
  after: number,
  save: (last: number) => Promise<void>,
): Promise<number> {
  const source = { alias: from, conn: await db.connection(from) };
  const key = plan.model.table.primaryKey;
  let copied = 0;
  await eachChunk(
    source,
    plan.model,
    async (records, last) => {
      for (const [to, list] of moving(plan, from, records, (r) => r[key])) {
        await insertCopies(await db.connection(to), plan.model, list);
        copied += list.length;
      }
      await save(last);
      await pausePoint(`reshard-copied:${from}`);
    },
    after,
  );
  return copied;
}

/**
 * Applies the changes old shard `from` logged to the copies of the rows that move: each such
 * id's copy becomes the row as it is now in `from`, or goes when the row is gone (`applied`
 * hears of them). Runs until fewer than `until` changes are left; returns how many it applied.
 */
export async function catchUpShard(
  db: Distdb,
  plan: ReshardPlan,
  from: string,
  until = 1,
  applied: (ids: readonly number[]) => void = () => {},
): Promise<number> {
  const conn = await db.connection(from);
  const source = { alias: from, conn };
  let count = 0;
  for (;;) {
    const { ids, seqs } = await pendingChanges(conn, plan.model);
    if (seqs.length === 0) return count;
    for (const [to, group] of moving(plan, from, ids, (id) => id)) {
      const now = await recordsOf(source, plan.model, group);
      await replaceCopies(await db.connection(to), plan.model, group, now);
      applied(group);
      count += group.length;
    }
    await consumeChanges(conn, seqs);
    if (seqs.length < until) return count;
  }
}

/**
 * Copies again, replacing what is there, every moving row with an id in [low, high): the copies
 * of a bucket the verify found different become the rows as they are (writes are held).
 */
export async function recopyRange(db: Distdb, plan: ReshardPlan, low: number, high: number): Promise<void> {
  const key = plan.model.table.primaryKey;
  const wanted = new Map<string, Rec[]>(plan.added.map((a) => [a, []]));
  for (const from of plan.from) {
    const source = { alias: from, conn: await db.connection(from) };
    for (const [to, list] of moving(plan, from, await rangeOf(source, plan, low, high), (r) => r[key]))
      wanted.get(to)?.push(...list);
  }
  for (const [to, records] of wanted) {
    const target = { alias: to, conn: await db.connection(to) };
    const there = (await rangeOf(target, plan, low, high)).map((r) => Number(r[key]));
    const ids = [...new Set([...there, ...records.map((r) => Number(r[key]))])];
    await replaceCopies(target.conn, plan.model, ids, records);
  }
}

async function rangeOf(access: Access, plan: ReshardPlan, low: number, high: number): Promise<Rec[]> {
  const out: Rec[] = [];
  await eachChunk(access, plan.model, (records) => void out.push(...records), low - 1, high);
  return out;
}
