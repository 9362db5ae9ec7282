import type { AnyModel } from '../models/model.js';
import type { Validation } from '../models/validate.js';
import type { Shards } from '../routing/router.js';
import type { RecordOutcome } from '../store/outcome.js';
import {
  commitRecords,
  type ExistenceCheck,
  type PreparedBatch,
  prepareRecords,
  type ReferenceReader,
} from '../store/writeRecords.js';
import { claimAll } from './claims.js';
import { guarded, type IndexAccess, type QueryContext } from './context.js';
import { isLayoutChange } from './fence.js';
import { withIds } from './idBlocks.js';
import { INSERT_MANY_BATCH, partly } from './insertBatches.js';
import { releaseOwn, takenValues } from './uniqueIndex.js';

/**
 * Records of an indexed sharded model an insertMany claims and writes at a time: its memory stays
 * bounded, and a window's claims are settled (landed, or given back) before the next one asks.
 */
export const CLAIM_WINDOW = 10_000;

/**
 * References are looked up where each referenced model is read: in a sharded one, in the shards
 * of the values. Inside `atomic` the records found stay locked against deletes until it ends.
 */
export function referenceReader(ctx: QueryContext): ReferenceReader {
  return async (label) => {
    const model = ctx.model(label);
    const existing: ExistenceCheck['existing'] = async (table, column, values) => {
      const found = new Set<string>();
      for (const { access, values: group } of await ctx.groups(model, 'read', column, values)) {
        const part = group as typeof values;
        const lock = access.lockReads === true;
        for (const v of await guarded(access, () => access.conn.existing(table, column, part, lock)))
          found.add(v);
      }
      return found;
    };
    return { model, check: { existing } };
  };
}

/** Records bound for one database, by input position. */
export interface Batch {
  readonly alias: string;
  readonly positions: number[];
}

/**
 * The database of a record. A sharded model's record without its key goes to the first shard:
 * the key is required, so validation refuses it there.
 */
function aliasOf(ctx: QueryContext, model: AnyModel, shards: Shards | undefined, record: unknown): string {
  const hints =
    typeof record === 'object' && record !== null ? (record as Record<string, unknown>) : undefined;
  const key = shards && hints?.[shards.key];
  if (shards && (key === undefined || key === null)) return shards.databases[0] as string;
  return ctx.writeAlias(model, hints);
}

/**
 * Input order cut where the database changes or a batch is full. A sharded model's records are
 * grouped by shard instead, in input order within each: records of two shards never share a
 * unique value (equal keys share a shard), so the outcomes are the same.
 */
function batchesOf(ctx: QueryContext, model: AnyModel, window: Window): Batch[] {
  const batches: Batch[] = [];
  const open = new Map<string, Batch>();
  const shards = ctx.shards(model);
  for (const p of window.positions) {
    const alias = aliasOf(ctx, model, shards, window.records[p]);
    const last = shards ? open.get(alias) : batches[batches.length - 1];
    if (last && last.alias === alias && last.positions.length < INSERT_MANY_BATCH) {
      last.positions.push(p);
      continue;
    }
    const batch = { alias, positions: [p] };
    batches.push(batch);
    open.set(alias, batch);
  }
  return batches;
}

/** Where an insertMany is: outcomes by input position, and how many are decided. */
interface Progress {
  readonly outcomes: RecordOutcome[];
  decided: number;
}

/**
 * Validates and inserts records in input order, in batches (one transaction each) per database
 * the router picks for each record: the first in input order wins a unique value, references
 * are checked, and every outcome is in its input position. A batch is validated while the one
 * before it commits: validation and reference checks do not depend on what earlier batches
 * wrote; unique values are decided at commit, in order. A sharded model's shards are written
 * at once, each its batches in order; with a global index, window by window (CLAIM_WINDOW).
 * Records of a model with generated ids that come without one are given one first.
 */
export async function insertRecords(
  ctx: QueryContext,
  model: AnyModel,
  input: readonly unknown[],
  call: 'insert' | 'insertMany' = 'insertMany',
): Promise<RecordOutcome[]> {
  const records = await withIds(model, input, (n) => ctx.ids(model, n));
  const progress: Progress = { outcomes: new Array(records.length), decided: 0 };
  const indexed = ctx.index(model);
  const ix = indexed ? await indexed.open() : undefined;
  const step = ix ? CLAIM_WINDOW : records.length;
  for (let from = 0; from < records.length; from += step) {
    const to = Math.min(records.length, from + step);
    let positions = Array.from({ length: to - from }, (_, k) => from + k);
    let heldSince: number | undefined;
    for (;;) {
      const version = ctx.shards(model)?.version;
      // insertWindow routes by `version`: it reads the layout before its first await.
      const failed = await insertWindow(ctx, model, { records, positions }, progress, ix).catch(
        (err: unknown): LaneFailure => ({ err, alias: undefined }),
      );
      if (!failed) break;
      // Turned away by a reshard's switch: what was not written is routed by the new layout.
      heldSince ??= Date.now();
      if (
        version !== undefined &&
        isLayoutChange(failed.err) &&
        (await ctx.relayout(model, version, heldSince))
      ) {
        positions = positions.filter((p) => progress.outcomes[p] === undefined);
        continue;
      }
      const total = { decided: progress.decided, total: records.length };
      throw partly(failed.err, failed.alias, call === 'insert' ? undefined : total);
    }
  }
  return progress.outcomes;
}

/** Some of an insertMany's records, by input position, in input order. */
interface Window {
  readonly records: readonly unknown[];
  readonly positions: readonly number[];
}

/** The records of a window claimed (for an indexed model), then written, lane by lane. */
async function insertWindow(
  ctx: QueryContext,
  model: AnyModel,
  window: Window,
  progress: Progress,
  ix: IndexAccess | undefined,
): Promise<LaneFailure | undefined> {
  // Routed and fenced by one layout, whichever is read while the lanes write.
  const version = ctx.shards(model)?.version;
  const batches = batchesOf(ctx, model, window);
  const lanes = ctx.shards(model) ? byDatabase(batches) : [batches];
  const readRef = referenceReader(ctx);
  const fresh = (b: Batch) =>
    prepareRecords(
      model,
      b.positions.map((p) => window.records[p]),
      readRef,
    );
  const claimed = ix ? await claimValues(ix, batches, fresh) : undefined;
  const prepare = claimed ? async (b: Batch) => claimed.prepared.get(b) as PreparedBatch : fresh;
  // Every lane runs to its end or its failure before one is reported: none is left writing.
  // Inside `atomic` they run one after another: their reference checks may share a transaction.
  const write = (lane: Batch[]) => writeLane(ctx, { model, version }, lane, prepare, progress);
  const failures: (LaneFailure | undefined)[] = [];
  if (ctx.atomic) for (const lane of lanes) failures.push(await write(lane));
  else failures.push(...(await Promise.all(lanes.map(write))));
  // A record that claimed its values and was then not written gives them back.
  if (claimed) await claimed.releaseUnwritten(progress.outcomes);
  // Another failure first: a lane whose commit was not acknowledged may have written its batch.
  const failed = failures.filter((f) => f !== undefined);
  return failed.find((f) => !isLayoutChange(f.err)) ?? failed[0];
}

function byDatabase(batches: readonly Batch[]): Batch[][] {
  const lanes = new Map<string, Batch[]>();
  for (const b of batches) {
    const lane = lanes.get(b.alias);
    if (lane) lane.push(b);
    else lanes.set(b.alias, [b]);
  }
  return [...lanes.values()];
}

/** Why a lane stopped: the error, and the database it was writing to, if it had got that far. */
interface LaneFailure {
  readonly err: unknown;
  readonly alias: string | undefined;
}

/**
 * Every batch prepared, then the unique values of its valid records claimed in the model's
 * index, in input order across all shards; a record that loses a value is refused with its issue.
 */
export async function claimValues(
  ix: IndexAccess,
  batches: readonly Batch[],
  prepare: (b: Batch) => Promise<PreparedBatch>,
): Promise<{
  prepared: Map<Batch, PreparedBatch>;
  releaseUnwritten(outcomes: RecordOutcome[]): Promise<void>;
}> {
  const prepared = new Map<Batch, PreparedBatch>();
  const records: { position: number; shard: string; batch: PreparedBatch; k: number }[] = [];
  for (const b of batches) {
    const batch = await prepare(b);
    prepared.set(b, batch);
    for (const [k, position] of b.positions.entries()) records.push({ position, shard: b.alias, batch, k });
  }
  records.sort((a, b) => a.position - b.position);
  const rowOf = (r: (typeof records)[number]) => r.batch.validations[r.k] as Validation;
  const primary = ix.model.table.primaryKey;
  const candidates = records
    .filter((r) => rowOf(r).issues.length === 0)
    .map((r) => ({ ...r, owner: Number(rowOf(r).row[primary]), row: rowOf(r).row }));
  const { refused, won, held } = await claimAll(ix, candidates);
  // Every record that does not land: its values others hold are reported as one database
  // would, and left out of its row so that its shard does not look for them again.
  const losing = records.filter((r) => rowOf(r).issues.length > 0 || refused.has(r.position));
  const taken = await takenValues(
    ix,
    losing.map((r) => ({ position: r.position, row: rowOf(r).row })),
    won,
  );
  const global = new Set(ix.fields.map((f) => f.name));
  for (const r of losing) {
    const v = rowOf(r);
    const row = Object.fromEntries(Object.entries(v.row).filter(([name]) => !global.has(name)));
    // A value given back since it was refused still refuses it: the record is decided.
    const lost = refused.get(r.position);
    const dup = taken.get(r.position) ?? (lost ? [lost] : []);
    r.batch.validations[r.k] = { row, issues: [...v.issues, ...dup] };
  }
  const releaseUnwritten = async (outcomes: RecordOutcome[]) => {
    for (const c of candidates)
      if (!refused.has(c.position) && outcomes[c.position]?.ok !== true)
        await releaseOwn(ix, c, held.get(c.position));
  };
  return { prepared, releaseUnwritten };
}

/** Writes batches one after another, each validated while the one before commits. */
async function writeLane(
  ctx: QueryContext,
  routed: { readonly model: AnyModel; readonly version: number | undefined },
  batches: readonly Batch[],
  prepare: (b: Batch) => Promise<PreparedBatch>,
  progress: Progress,
): Promise<LaneFailure | undefined> {
  let next: Promise<PreparedBatch> | undefined;
  for (const [i, batch] of batches.entries()) {
    // The batch's database once its records are written: the checks before may read others.
    let writing: string | undefined;
    try {
      const prepared = await (next ?? prepare(batch));
      writing = batch.alias;
      const access = await ctx.writerAt(routed.model, batch.alias, routed.version);
      const following = batches[i + 1];
      // Checked while this batch commits, but for a transaction's: its checks may share its connection.
      next = following && !access.inTransaction ? prepare(following) : undefined;
      // Settled here if this commit throws; awaited at the next turn otherwise.
      next?.catch(() => {});
      const written = await guarded(access, () => commitRecords(prepared, access.conn));
      batch.positions.forEach((p, k) => {
        progress.outcomes[p] = written[k] as RecordOutcome;
      });
      progress.decided += batch.positions.length;
    } catch (err) {
      return { err, alias: writing };
    }
  }
  return undefined;
}
