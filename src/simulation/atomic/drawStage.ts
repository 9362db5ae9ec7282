import { performance } from 'node:perf_hooks';
import type { AtomicTx } from '../../atomic/atomicTx.js';
import type { Distdb } from '../../distdb.js';
import { uniqueFields } from '../../models/model.js';
import { type JournalRun, writeJournal } from '../../store/journal.js';
import type { RecordOutcome } from '../../store/outcome.js';
import type { BatchResult } from '../messages.js';
import type { DatasetRecord } from './modelRecords.js';
import { QUANTITY_FIELD, STOCK_FIELD, type StockPlan, uniqueValue } from './stockPlan.js';

/** The code of a record drawing more than is left. */
export const INSUFFICIENT_STOCK = 'insufficient_stock';

/** The journal's name for the records an atomic run committed one by one (never a model's name). */
export function drawJournal(plan: StockPlan): { name: string } {
  return { name: `${plan.drawing.name}@atomic` };
}

export interface DrawInput {
  readonly db: Distdb;
  readonly plan: StockPlan;
  /** The drawing model's records in dataset order. */
  readonly records: Iterator<DatasetRecord>;
  readonly run: JournalRun;
  /** Transactions in flight at once (`--threads`). */
  readonly callers: number;
  readonly retries: number;
  /** Records an earlier attempt at the run committed (resume), and where: not written again. */
  readonly committed: ReadonlyMap<number, string>;
  /** The outcome each record should have (generated datasets), asked in dataset order. */
  readonly expect?: (r: DatasetRecord) => string | undefined;
  readonly signal?: AbortSignal;
  /** Every record's result; `timed` is false for those an earlier attempt committed. */
  readonly onResult: (result: BatchResult, timed: boolean) => void;
}

type Refused = Extract<RecordOutcome, { ok: false }>;

/** A record's failed outcome, thrown out of its transaction so that it rolls back. */
class Refusal extends Error {
  constructor(readonly outcome: Refused) {
    super(outcome.message);
  }
}

/**
 * The order in which records sharing a key are decided: each waits for the one before it with
 * any of its keys (its id, its unique values, the stocked record it draws on), so outcomes are
 * those of dataset order however many transactions run at once.
 */
class KeyTurns {
  readonly #last = new Map<string, Promise<void>>();

  enter(keys: readonly string[]): { ready: Promise<unknown>; done: () => void } {
    let done = () => {};
    const mine = new Promise<void>((resolve) => {
      done = resolve;
    });
    const before = keys.flatMap((k) => this.#last.get(k) ?? []);
    for (const k of keys) this.#last.set(k, mine);
    return {
      ready: Promise.all(before),
      done: () => {
        done();
        for (const k of keys) if (this.#last.get(k) === mine) this.#last.delete(k);
      },
    };
  }
}

/** A record taken from the dataset with its place in the key turns. */
interface Draw {
  readonly index: number;
  readonly record: unknown;
  readonly expected: string | undefined;
  readonly turn: { ready: Promise<unknown>; done: () => void };
}

const OK: RecordOutcome = { ok: true, id: null };

/**
 * The atomic stage of a run: every record of the drawing model is inserted, and the stock it
 * draws taken from its stocked record, in one `atomic` across their databases, with its journal
 * entry; `callers` of them in flight at once. Stages: the dataset's records in order, KeyTurns
 * sequencing those that share a key, callers running the transactions, results to `onResult`.
 * Rejects with the first error that is not a record's outcome, once every caller has stopped.
 */
export async function drawStage(input: DrawInput): Promise<void> {
  const turns = new KeyTurns();
  let failed: { error: unknown } | undefined;
  const take = (caller: number): Draw | undefined => {
    for (;;) {
      if (failed || input.signal?.aborted) return undefined;
      const next = input.records.next();
      if (next.done) return undefined;
      const r = next.value;
      const expected = input.expect?.(r);
      const at = { thread: caller, index: r.index, expected, start: performance.now() };
      const earlier = input.committed.get(r.index);
      if (earlier !== undefined) {
        input.onResult(resultOf(input, at, OK, earlier), false);
        continue;
      }
      if (r.rejected) {
        input.onResult(resultOf(input, at, { ok: false, ...r.rejected }, undefined), true);
        continue;
      }
      const turn = turns.enter(keysOf(input.plan, r.record));
      return { index: r.index, record: r.record, expected, turn };
    }
  };
  const caller = async (n: number) => {
    for (let d = take(n); d; d = take(n)) {
      try {
        await d.turn.ready;
        // After a failure nothing sharing a key with it runs: its outcome is not known yet, and
        // what comes after it in dataset order must be decided after it (on resume).
        if (failed || input.signal?.aborted) continue;
        const at = { thread: n, index: d.index, expected: d.expected, start: performance.now() };
        const where = shardOf(input, d.record);
        input.onResult(resultOf(input, at, await draw(input, d, where), where), true);
      } catch (error) {
        failed ??= { error };
      } finally {
        d.turn.done();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, input.callers) }, (_, i) => caller(i + 1)));
  if (failed) throw failed.error;
  if (input.signal?.aborted) throw input.signal.reason;
}

/** The keys a record's turn is taken by: its unique values (its id among them), the stocked record it names. */
function keysOf(plan: StockPlan, record: unknown): string[] {
  if (typeof record !== 'object' || record === null) return [];
  const r = record as Record<string, unknown>;
  const keys = [`from ${String(r[plan.via.name])}`];
  for (const f of uniqueFields(plan.drawing)) {
    const v = r[f.name];
    if (v !== undefined && v !== null) keys.push(`${f.name} ${uniqueValue(f, r)}`);
  }
  return keys;
}

/**
 * One record and its draw on the stock: both committed, or neither (its outcome says why).
 * `where` is the record's database (a record that cannot be placed fails its insert).
 */
async function draw(input: DrawInput, d: Draw, where: string | undefined): Promise<RecordOutcome> {
  const { db, plan } = input;
  const fields = d.record as Record<string, unknown>;
  try {
    return await db.atomic(
      async (tx: AtomicTx) => {
        const placed = await tx.insert(plan.drawing, d.record as never);
        if (!placed.ok) throw new Refusal(placed);
        const from = Number(fields[plan.via.name]);
        const wanted = Number(fields[QUANTITY_FIELD]);
        const stocked = await tx.get(plan.stocked, from);
        const stock = stocked ? Number(stocked[STOCK_FIELD]) : 0;
        if (!(stock >= wanted)) {
          const message = `${plan.stocked.label} ${from} has ${stocked ? stock : 'no record and no'} stock, ${wanted} wanted`;
          throw new Refusal({ ok: false, id: placed.id, code: INSUFFICIENT_STOCK, message });
        }
        const taken = await tx.update(plan.stocked, from, { [STOCK_FIELD]: stock - wanted });
        if (!taken.ok) throw new Refusal({ ...taken, id: placed.id });
        const entry = { run: input.run, seq: d.index, firstIndex: d.index, thread: 0 };
        // Inserted, so it was placed: `where` is set.
        const journal = await tx.ownRows(where as string);
        await writeJournal(journal, drawJournal(plan), entry, [placed]);
        return placed;
      },
      { retries: input.retries },
    );
  } catch (err) {
    if (err instanceof Refusal) return err.outcome;
    throw err;
  }
}

/** A record's result; `alias` is where it was written (undefined: nowhere, the model's first). */
function resultOf(
  input: DrawInput,
  at: { thread: number; index: number; expected: string | undefined; start: number },
  outcome: RecordOutcome,
  alias: string | undefined,
): BatchResult {
  const { index, expected } = at;
  const ms = performance.now() - at.start;
  const actual = outcome.ok ? 'ok' : outcome.code;
  return {
    type: 'done',
    batchId: index,
    thread: at.thread,
    model: input.plan.drawing.name,
    attempted: 1,
    succeeded: outcome.ok ? 1 : 0,
    failures: outcome.ok ? [] : [{ index, id: outcome.id, code: outcome.code, message: outcome.message }],
    latencyMs: ms,
    busyMs: ms,
    committedAt: Date.now(),
    retries: 0,
    shards: [
      {
        alias: alias ?? (input.db.aliasesOf(input.plan.drawing)[0] as string),
        attempted: 1,
        succeeded: outcome.ok ? 1 : 0,
      },
    ],
    ...(expected === undefined
      ? {}
      : {
          expected: { [expected]: 1 },
          mismatchCount: expected === actual ? 0 : 1,
          ...(expected === actual ? {} : { mismatches: [{ index, expected, actual }] }),
        }),
  };
}

/** The database a record is written to (undefined for one that cannot be placed). */
function shardOf(input: DrawInput, record: unknown): string | undefined {
  if (typeof record !== 'object' || record === null) return undefined;
  try {
    return input.db.writeAlias(input.plan.drawing, { record: record as Record<string, unknown> });
  } catch {
    return undefined;
  }
}
