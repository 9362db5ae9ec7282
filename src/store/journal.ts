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
}

function key(run: JournalRun, model: string, seq: number): string {
  return `${prefix(run, model)}${seq}`;
}

export async function writeJournal(
  tx: Connection,
  model: AnyModel,
  entry: JournalEntry,
  outcomes: readonly RecordOutcome[],
): Promise<void> {
  const failures = outcomes.flatMap((o, i) =>
    o.ok ? [] : [{ index: entry.firstIndex + i, id: o.id, code: o.code, message: o.message }],
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
