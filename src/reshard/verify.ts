import { createHash, type Hash } from 'node:crypto';
import type { Distdb } from '../distdb.js';
import type { AnyModel } from '../models/model.js';
import { shardIndex } from '../routing/sharding.js';
import { targetOf } from './copy.js';
import type { ReshardPlan } from './plan.js';
import { type Rec, scanRecords } from './rows.js';

/** Rows moving from one old shard to one new database: counted and hashed on both sides. */
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
}

class Tally {
  rows = 0;
  readonly hash: Hash = createHash('sha256');
  add(model: AnyModel, r: Rec): void {
    this.rows++;
    this.hash.update(`${JSON.stringify(model.fields.map((f) => r[f.name] ?? null))}\n`);
  }
}

type Tallies = Map<string, Tally>;

function tally(t: Tallies, from: string, to: string): Tally {
  const name = `${from}\u0000${to}`;
  const found = t.get(name) ?? new Tally();
  t.set(name, found);
  return found;
}

/** Every record of `model` in database `alias`, in id order, one read of SCAN_ROWS at a time. */
async function eachRecord(
  db: Distdb,
  model: AnyModel,
  alias: string,
  visit: (r: Rec) => void,
): Promise<void> {
  const access = { alias, conn: await db.connection(alias) };
  const key = model.table.primaryKey;
  for (let last = Number.MIN_SAFE_INTEGER; ; ) {
    const records = await scanRecords(access, model, last);
    for (const r of records) visit(r);
    const end = records[records.length - 1];
    if (!end) return;
    last = Number(end[key]);
  }
}

/**
 * Compares, for every old shard and new database, the rows that move between them with their
 * copies: counts, and a SHA-256 over each row's values in id order. Run while writes are
 * fenced, after the last catch-up, so both sides stand still.
 */
export async function verifyMove(db: Distdb, plan: ReshardPlan): Promise<Verification> {
  const { model } = plan;
  const key = model.table.primaryKey;
  const old: Tallies = new Map();
  const copies: Tallies = new Map();
  let misplaced = 0;
  await Promise.all([
    ...plan.from.map((from) =>
      eachRecord(db, model, from, (r) => {
        const to = targetOf(plan, r[key]);
        if (to !== from) tally(old, from, to).add(model, r);
      }),
    ),
    ...plan.added.map((to) =>
      eachRecord(db, model, to, (r) => {
        if (targetOf(plan, r[key]) !== to) misplaced++;
        else tally(copies, plan.from[shardIndex(r[key], plan.from.length)] as string, to).add(model, r);
      }),
    ),
  ]);
  const moves = plan.from.flatMap((from) =>
    plan.added.map((to): MoveCheck => {
      const a = tally(old, from, to);
      const b = tally(copies, from, to);
      const checksum = a.hash.digest('hex');
      const copiesChecksum = b.hash.digest('hex');
      const same = a.rows === b.rows && checksum === copiesChecksum;
      return { from, to, rows: a.rows, copies: b.rows, checksum, copiesChecksum, same };
    }),
  );
  return { ok: misplaced === 0 && moves.every((m) => m.same), moves, misplaced };
}
