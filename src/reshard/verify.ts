import { createHash } from 'node:crypto';
import type { Distdb } from '../distdb.js';
import type { AnyModel } from '../models/model.js';
import { shardIndex } from '../routing/sharding.js';
import { targetOf } from './copy.js';
import type { ReshardPlan } from './plan.js';
import { eachChunk, type Rec } from './rows.js';

/** Rows moving from one old shard to one new database: counted and summed on both sides. */
export interface MoveCheck {
  readonly from: string;
  readonly to: string;
  readonly rows: number;
  readonly copies: number;
  readonly checksum: string;
  readonly copiesChecksum: string;
  readonly same: boolean;
}

export interface Verification {
  readonly ok: boolean;
  readonly moves: MoveCheck[];
  /** Rows in a new database that the new layout places elsewhere. */
  readonly misplaced: number;
  /** Id buckets checked again while writes were held (the rest were checked before). */
  readonly recheckedBuckets: number;
  /** Of those, buckets whose copies still differed and were copied again before the last check. */
  readonly repairedBuckets: number;
}

/** Ids per bucket: rows are tallied per bucket, so a bucket a change touched is read again alone. */
export const VERIFY_BUCKET = 10_000;
const MASK = (1n << 64n) - 1n;

/** A multiset of rows: how many, and the sum (mod 2^64) of the first 64 bits of each row's SHA-256. */
interface Tally {
  rows: number;
  sum: bigint;
}

function rowHash(model: AnyModel, r: Rec): bigint {
  const text = JSON.stringify(model.fields.map((f) => r[f.name] ?? null));
  return BigInt(`0x${createHash('sha256').update(text).digest('hex').slice(0, 16)}`);
}

/** Tallies by `side` (old or copies), move (old shard, new database) and id bucket. */
export type Tallies = Map<string, Tally>;

const keyOf = (side: 'old' | 'new', from: string, to: string, bucket: number) =>
  `${side}\u0000${from}\u0000${to}\u0000${bucket}`;

function add(t: Tallies, key: string, model: AnyModel, r: Rec): void {
  const found = t.get(key) ?? { rows: 0, sum: 0n };
  found.rows++;
  found.sum = (found.sum + rowHash(model, r)) & MASK;
  t.set(key, found);
}

/** Every record of `model` in `alias` with an id in [low, high), in id order. */
async function eachRecord(
  db: Distdb,
  model: AnyModel,
  alias: string,
  visit: (r: Rec) => void,
  low = Number.MIN_SAFE_INTEGER,
  high = Number.MAX_SAFE_INTEGER,
): Promise<void> {
  const access = { alias, conn: await db.connection(alias) };
  await eachChunk(access, model, (records) => records.forEach(visit), low - 1, high);
}

/**
 * Tallies the rows that move, on both sides, in the id buckets `buckets` (every bucket when
 * undefined). Returns the misplaced rows by bucket: rows an added database holds that the new
 * layout places elsewhere.
 */
export async function tallyMoves(
  db: Distdb,
  plan: ReshardPlan,
  into: Tallies,
  buckets?: readonly number[],
): Promise<Map<number, number>> {
  const { model } = plan;
  const key = model.table.primaryKey;
  const misplaced = new Map<number, number>();
  const oldShard = (id: unknown) => plan.from[shardIndex(id, plan.from.length)] as string;
  const visitOld = (from: string) => (r: Rec) => {
    const to = targetOf(plan, r[key]);
    if (to !== from) add(into, keyOf('old', from, to, bucketOf(r[key])), model, r);
  };
  const visitNew = (to: string) => (r: Rec) => {
    const bucket = bucketOf(r[key]);
    if (targetOf(plan, r[key]) !== to) misplaced.set(bucket, (misplaced.get(bucket) ?? 0) + 1);
    else add(into, keyOf('new', oldShard(r[key]), to, bucketOf(r[key])), model, r);
  };
  const ranges = buckets?.map((b) => [b * VERIFY_BUCKET, (b + 1) * VERIFY_BUCKET] as const) ?? [
    [undefined, undefined],
  ];
  await Promise.all([
    ...plan.from.map(async (from) => {
      for (const [low, high] of ranges) await eachRecord(db, model, from, visitOld(from), low, high);
    }),
    ...plan.added.map(async (to) => {
      for (const [low, high] of ranges) await eachRecord(db, model, to, visitNew(to), low, high);
    }),
  ]);
  return misplaced;
}

export function bucketOf(id: unknown): number {
  return Math.floor(Number(id) / VERIFY_BUCKET);
}

/** Forgets the tallies of `buckets`, to be taken again. */
export function dropBuckets(t: Tallies, buckets: ReadonlySet<number>): void {
  for (const k of [...t.keys()]) if (buckets.has(Number(k.slice(k.lastIndexOf('\u0000') + 1)))) t.delete(k);
}

/** The buckets whose tallies differ between the old rows and their copies. */
export function differing(t: Tallies): Set<number> {
  const out = new Set<number>();
  for (const [k, v] of t) {
    const [side, from, to, bucket] = k.split('\u0000') as [string, string, string, string];
    const other = t.get(keyOf(side === 'old' ? 'new' : 'old', from, to, Number(bucket)));
    if (!other || other.rows !== v.rows || other.sum !== v.sum) out.add(Number(bucket));
  }
  return out;
}

/** The verification the tallies give, per move, summed over buckets. */
export function verdict(
  plan: ReshardPlan,
  t: Tallies,
  misplaced: number,
  rechecked: number,
  repaired: number,
): Verification {
  const moves = plan.from.flatMap((from) =>
    plan.added.map((to): MoveCheck => {
      const sides = { old: { rows: 0, sum: 0n }, new: { rows: 0, sum: 0n } };
      for (const [k, v] of t) {
        const [side, f, d] = k.split('\u0000') as ['old' | 'new', string, string];
        if (f !== from || d !== to) continue;
        sides[side].rows += v.rows;
        sides[side].sum = (sides[side].sum + v.sum) & MASK;
      }
      const hex = (n: bigint) => n.toString(16).padStart(16, '0');
      const { old, new: copies } = sides;
      const same = old.rows === copies.rows && old.sum === copies.sum;
      return {
        from,
        to,
        rows: old.rows,
        copies: copies.rows,
        checksum: hex(old.sum),
        copiesChecksum: hex(copies.sum),
        same,
      };
    }),
  );
  const ok = misplaced === 0 && differing(t).size === 0;
  return { ok, moves, misplaced, recheckedBuckets: rechecked, repairedBuckets: repaired };
}
