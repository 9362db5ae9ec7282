import { DistdbError, errorMessage } from '../errors.js';
import type { AnyModel } from '../models/model.js';
import { scrub } from '../secrets.js';
import type { RecordOutcome } from '../store/outcome.js';
import {
  commitRecords,
  type ExistenceCheck,
  type PreparedBatch,
  prepareRecords,
  type ReferenceReader,
} from '../store/writeRecords.js';
import { guarded, type QueryContext } from './context.js';

/** Records per transaction in insertMany: fewer commits (each one a sync to disk) than records. */
export const INSERT_MANY_BATCH = 10_000;

/** References are looked up where each referenced model is read: in a sharded one, in the shards of the values. */
export function referenceReader(ctx: QueryContext): ReferenceReader {
  return async (label) => {
    const model = ctx.model(label);
    const existing: ExistenceCheck['existing'] = async (table, column, values) => {
      const found = new Set<string>();
      for (const { access, values: group } of await ctx.groups(model, 'read', column, values)) {
        const part = group as typeof values;
        for (const v of await guarded(access, () => access.conn.existing(table, column, part))) found.add(v);
      }
      return found;
    };
    return { model, check: { existing } };
  };
}

/** Records bound for one database, by input position. */
interface Batch {
  readonly alias: string;
  readonly positions: number[];
}

/**
 * The database of a record. A sharded model's record without its key goes to the first shard:
 * the key is required, so validation refuses it there.
 */
function aliasOf(ctx: QueryContext, model: AnyModel, record: unknown): string {
  const hints =
    typeof record === 'object' && record !== null ? (record as Record<string, unknown>) : undefined;
  const shards = ctx.shards(model);
  const key = shards && hints?.[shards.key];
  if (shards && (key === undefined || key === null)) return shards.databases[0] as string;
  return ctx.writeAlias(model, hints);
}

/**
 * Input order cut where the database changes or a batch is full. A sharded model's records are
 * grouped by shard instead, in input order within each: records of two shards never share a
 * unique value (equal keys share a shard), so the outcomes are the same.
 */
function batchesOf(ctx: QueryContext, model: AnyModel, records: readonly unknown[]): Batch[] {
  const batches: Batch[] = [];
  const open = new Map<string, Batch>();
  const sharded = ctx.shards(model) !== undefined;
  for (const [p, record] of records.entries()) {
    const alias = aliasOf(ctx, model, record);
    const last = sharded ? open.get(alias) : batches[batches.length - 1];
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
 * at once, each its batches in order.
 */
export async function insertRecords(
  ctx: QueryContext,
  model: AnyModel,
  records: readonly unknown[],
  call: 'insert' | 'insertMany' = 'insertMany',
): Promise<RecordOutcome[]> {
  const progress: Progress = { outcomes: new Array(records.length), decided: 0 };
  const batches = batchesOf(ctx, model, records);
  const lanes = ctx.shards(model) ? byDatabase(batches) : [batches];
  // Every lane runs to its end or its failure before one is reported: none is left writing.
  const failures = await Promise.all(lanes.map((lane) => writeLane(ctx, model, records, lane, progress)));
  const failed = failures.find((f) => f !== undefined);
  if (failed) {
    const total = { decided: progress.decided, total: records.length };
    throw partly(failed.err, failed.alias, call === 'insert' ? undefined : total);
  }
  return progress.outcomes;
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

/** Writes batches one after another, each validated while the one before commits. */
async function writeLane(
  ctx: QueryContext,
  model: AnyModel,
  records: readonly unknown[],
  batches: readonly Batch[],
  progress: Progress,
): Promise<LaneFailure | undefined> {
  const readRef = referenceReader(ctx);
  const prepare = (b: Batch) =>
    prepareRecords(
      model,
      b.positions.map((p) => records[p]),
      readRef,
    );
  let next = batches[0] ? prepare(batches[0]) : undefined;
  for (const [i, batch] of batches.entries()) {
    // The batch's database once its records are written: the checks before may read others.
    let writing: string | undefined;
    try {
      const prepared = await (next as Promise<PreparedBatch>);
      const following = batches[i + 1];
      next = following ? prepare(following) : undefined;
      // Settled here if this commit throws; awaited at the next turn otherwise.
      next?.catch(() => {});
      writing = batch.alias;
      const access = await ctx.database(batch.alias);
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

/**
 * A failed insertMany says how far it got (`progress`): earlier batches are committed, later
 * ones not tried. A driver's failure while writing names the batch's database (`alias`), as a
 * failed query does; a distdb error keeps the database and SQL it names, and its cause.
 */
function partly(
  err: unknown,
  alias: string | undefined,
  progress: { decided: number; total: number } | undefined,
): DistdbError {
  const own = err instanceof DistdbError ? err : undefined;
  const where = own ? own.alias : alias;
  const reason = scrub(errorMessage(err));
  const named = !own && where !== undefined ? `database "${where}": ${reason}` : reason;
  return new DistdbError(
    own?.kind ?? 'query',
    progress ? `insertMany decided ${progress.decided} of ${progress.total} records, then: ${named}` : named,
    {
      cause: own?.cause ?? err,
      alias: where,
      sql: own?.sql,
    },
  );
}
