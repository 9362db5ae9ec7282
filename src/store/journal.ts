import type { Connection } from '../db/dialect.js';
import type { FailureCode } from '../models/failureCodes.js';
import type { AnyModel } from '../models/model.js';
import { BATCH_JOURNAL_TABLE } from '../schema/distdbTables.js';
import type { RecordOutcome } from './outcome.js';

/** What a committed batch decided, as stored next to its rows. */
export interface JournaledBatch {
  readonly model: string;
  readonly seq: number;
  readonly firstIndex: number;
  readonly thread: number;
  readonly attempted: number;
  readonly succeeded: number;
  readonly failures: { index: number; id: string | number | null; code: FailureCode; message: string }[];
  /** A sharded model's batch: what each shard's part of it held (see mergeShardJournals). */
  readonly parts?: readonly { alias: string; attempted: number; succeeded: number }[];
}

/**
 * The run a journal entry belongs to: its id in its own `default` database, and its key, unique
 * across deployments (null for runs recorded before run keys existed).
 */
export interface JournalRun {
  readonly id: number;
  readonly key: string | null;
}

/** Entries of one run's model start with this; legacy runs are keyed by their id. */
function prefix(run: JournalRun, model: string): string {
  return `${run.key ?? run.id}:${model}:`;
}

/** Written with the batch, in the same transaction: proof of exactly which batches committed. */
export interface JournalEntry {
  readonly run: JournalRun;
  readonly seq: number;
  readonly firstIndex: number;
  readonly thread: number;
  /**
   * A shard's part of a sharded model's batch: the positions in the batch of its records (the
   * outcomes given are theirs, in this order). Each shard journals its part, empty or not.
   */
  readonly positions?: readonly number[];
  /** The shard whose part it is (pause points name it). */
  readonly shard?: string;
}

function key(run: JournalRun, model: string, seq: number): string {
  return `${prefix(run, model)}${seq}`;
}

export async function writeJournal(
  tx: Connection,
  model: Pick<AnyModel, 'name'>,
  entry: JournalEntry,
  outcomes: readonly RecordOutcome[],
): Promise<void> {
  const failures = outcomes.flatMap((o, i) =>
    o.ok
      ? []
      : [
          {
            index: entry.firstIndex + (entry.positions?.[i] ?? i),
            id: o.id,
            code: o.code,
            message: o.message,
          },
        ],
  );
  const [w] = await tx.insertBatch(BATCH_JOURNAL_TABLE, [
    {
      batch_key: key(entry.run, model.name, entry.seq),
      run_id: entry.run.id,
      model: model.name,
      seq: entry.seq,
      first_index: entry.firstIndex,
      thread: entry.thread,
      attempted: outcomes.length,
      succeeded: outcomes.length - failures.length,
      failures: JSON.stringify(failures),
      committed_at: new Date().toISOString(),
    },
  ]);
  // The batch already committed under this key (an earlier attempt whose acknowledgement was lost).
  if (!w?.ok) throw new JournalConflict();
}

export class JournalConflict extends Error {
  constructor() {
    super('batch already journaled');
  }
}

function toBatch(r: Record<string, unknown>): JournaledBatch {
  return {
    model: String(r.model),
    seq: Number(r.seq),
    firstIndex: Number(r.first_index),
    thread: Number(r.thread),
    attempted: Number(r.attempted),
    succeeded: Number(r.succeeded),
    failures: JSON.parse(String(r.failures)) as JournaledBatch['failures'],
  };
}

/** The journaled outcome of one batch, if it committed. */
export async function readJournal(
  conn: Connection,
  run: JournalRun,
  model: string,
  seq: number,
): Promise<JournaledBatch | undefined> {
  const rows = await conn.query(`SELECT * FROM ${BATCH_JOURNAL_TABLE.name} WHERE batch_key = ?`, [
    key(run, model, seq),
  ]);
  return rows[0] ? toBatch(rows[0]) : undefined;
}

/**
 * Every committed batch of a run's model in this database. Another deployment's run with the
 * same id has another key: its entries are not this run's.
 */
export async function readRunJournal(
  conn: Connection,
  run: JournalRun,
  model: string,
): Promise<JournaledBatch[]> {
  if (!(await conn.tableExists(BATCH_JOURNAL_TABLE.name))) return [];
  const rows = await conn.query(
    `SELECT * FROM ${BATCH_JOURNAL_TABLE.name} WHERE run_id = ? AND model = ? ORDER BY seq`,
    [run.id, model],
  );
  const own = prefix(run, model);
  return rows.filter((r) => String(r.batch_key).startsWith(own)).map(toBatch);
}

/** A journaled batch's outcomes, record by record (its failures; every other record succeeded). */
export function outcomesFromJournal(batch: JournaledBatch, count: number): RecordOutcome[] {
  const outcomes: RecordOutcome[] = Array.from({ length: count }, () => ({ ok: true, id: null }));
  for (const f of batch.failures)
    outcomes[f.index - batch.firstIndex] = { ok: false, id: f.id, code: f.code, message: f.message };
  return outcomes;
}

/**
 * A sharded model's batches from its shards' journals (one list per shard, `aliases` in the
 * same order): a batch is committed once every shard journaled its part, and is then one batch
 * whose failures are all its parts'. Batches commit in order, so at most the last is partly there.
 */
export function mergeShardJournals(
  aliases: readonly string[],
  perShard: readonly (readonly JournaledBatch[])[],
): JournaledBatch[] {
  const bySeq = perShard.map((list) => new Map(list.map((b) => [b.seq, b])));
  const first = perShard[0] ?? [];
  const merged: JournaledBatch[] = [];
  for (const b of first) {
    const parts = bySeq.map((m) => m.get(b.seq));
    if (parts.some((x) => x === undefined)) continue;
    const all = parts as JournaledBatch[];
    merged.push({
      ...b,
      attempted: all.reduce((n, x) => n + x.attempted, 0),
      succeeded: all.reduce((n, x) => n + x.succeeded, 0),
      failures: all.flatMap((x) => x.failures).sort((x, y) => x.index - y.index),
      parts: all.map((x, i) => ({
        alias: aliases[i] as string,
        attempted: x.attempted,
        succeeded: x.succeeded,
      })),
    });
  }
  return merged;
}
