import { type Connection, keyOf, type Row, type RowWrite } from '../db/dialect.js';
import { type FailureCode, type Issue, sortIssues } from '../models/failureCodes.js';
import { type AnyModel, type ReferenceField, referenceFields, uniqueFields } from '../models/model.js';
import { recordId, type Validation, validateRecord } from '../models/validate.js';
import { pausePoint } from '../util/pausePoint.js';
import { truncate } from '../util/text.js';
import { SLICE, yieldToEventLoop } from '../util/yieldSlices.js';
import { type JournalEntry, writeJournal } from './journal.js';
import type { RecordOutcome } from './outcome.js';

/** Records validated against their own rules and against the databases they reference. */
export interface PreparedBatch {
  readonly model: AnyModel;
  readonly ids: (string | number | null)[];
  readonly validations: Validation[];
}

/**
 * Where references are looked up: a connection, or anything answering the same question. One
 * held in memory may also answer for a single integer key (`has`), the same way `existing`
 * would, so a batch's references are checked without building sets of their keys as text.
 */
export type ExistenceCheck = Pick<Connection, 'existing'> & { readonly has?: (key: number) => boolean };

/** The referenced model, and where to look its records up (the router's `dbForRead`). */
export type ReferenceReader = (modelLabel: string) => Promise<{ model: AnyModel; check: ExistenceCheck }>;

/** A record that fails as it is, decided before validation (by its position in the batch). */
export interface Rejected {
  readonly index: number;
  readonly id: string | number | null;
  readonly code: FailureCode;
  readonly message: string;
}

/**
 * Validation and reference checks: everything that can be decided before taking the write
 * turn. Reference checks run for every record with a well-formed reference, so a record's
 * message lists all of its problems. `rejected` records are not looked at.
 */
export async function prepareRecords(
  model: AnyModel,
  inputs: readonly unknown[],
  readRef: ReferenceReader,
  rejected: readonly Rejected[] = [],
): Promise<PreparedBatch> {
  const validations: Validation[] = new Array(inputs.length);
  const ids = inputs.map((input) => recordId(model, input));
  for (const r of rejected) {
    validations[r.index] = { row: {}, issues: [{ code: r.code, field: '', message: r.message }] };
    ids[r.index] = r.id;
  }
  for (let i = 0; i < inputs.length; i++) {
    if (i > 0 && i % SLICE === 0) await yieldToEventLoop();
    validations[i] ??= validateRecord(model, inputs[i]);
  }
  for (const field of referenceFields(model)) await checkReferences(field, validations, readRef);
  return { model, ids, validations };
}

/** Records whose reference names no record of the referenced model get its unknown code. */
export async function checkReferences(
  field: ReferenceField,
  validations: readonly Validation[],
  readRef: ReferenceReader,
): Promise<void> {
  if (!validations.some((v) => typeof v.row[field.name] === 'number')) return;
  const { model: target, check } = await readRef(field.type.model);
  const exists = check.has ?? (await existingKeys(check, target, field, validations));
  for (const v of validations) {
    const value = v.row[field.name];
    if (typeof value === 'number' && !exists(value)) {
      v.issues.push({
        code: field.type.unknownCode,
        field: field.name,
        message: `${target.label} ${value} does not exist`,
      });
    }
  }
}

/** Which of the batch's references exist, asked in one query of the referenced table. */
async function existingKeys(
  check: ExistenceCheck,
  target: AnyModel,
  field: ReferenceField,
  validations: readonly Validation[],
): Promise<(key: number) => boolean> {
  const values = new Set<number>();
  for (const v of validations) {
    const value = v.row[field.name];
    if (typeof value === 'number') values.add(value);
  }
  const found = await check.existing(target.table, target.table.primaryKey, [...values]);
  return (key) => found.has(String(key));
}

function describeValue(v: unknown): string {
  return typeof v === 'string' ? `"${truncate(v)}"` : String(v);
}

/**
 * Writes the valid records of a prepared batch in one transaction and decides every record's
 * outcome. Conflicting records must reach this in dataset order (the caller's write turn); a
 * unique value counts as taken by record i only if it existed before the batch or an earlier
 * record of the batch inserted it. With a journal entry, the outcome summary is stored in the
 * same transaction, so a batch is either committed and journaled or neither. Without one, the
 * rows go in with insertBatch's own transaction and the lookups that explain refusals follow it
 * (one round trip instead of three for a single record on a server). Never mutates `batch`, so a
 * failed attempt can be retried as is.
 */
export async function commitRecords(
  batch: PreparedBatch,
  conn: Connection,
  journal?: JournalEntry,
  ahead?: WriteAhead,
): Promise<RecordOutcome[]> {
  if (!journal && !ahead) return writeAndDecide(batch, conn, undefined);
  return conn.transaction(async (tx) => {
    const outcomes = await writeAndDecide(batch, tx, ahead);
    if (journal) {
      await writeJournal(tx, batch.model, journal, outcomes);
      const part = journal.shard === undefined ? '' : `@${journal.shard}`;
      await pausePoint(`batch-written:${batch.model.name}:${journal.seq}${part}`);
    }
    return outcomes;
  });
}

/**
 * A batch written before its turn: the rows not `deferred` (by position among rowsToInsert)
 * are inserted first; then, still in the transaction, `turn` is awaited before the deferred
 * rows and everything that reads other batches' rows.
 */
export interface WriteAhead {
  readonly deferred: Uint8Array;
  readonly turn: () => Promise<void>;
}

/** The rows a batch inserts: its records that passed validation and reference checks. */
export function rowsToInsert(batch: PreparedBatch): Row[] {
  const rows: Row[] = [];
  for (const v of batch.validations) if (v.issues.length === 0) rows.push(v.row as Row);
  return rows;
}

async function writeAndDecide(
  batch: PreparedBatch,
  conn: Connection,
  ahead: WriteAhead | undefined,
): Promise<RecordOutcome[]> {
  const { model, validations } = batch;
  const extra = new Map<number, Issue[]>();
  const addIssue = (i: number, issue: Issue) => {
    const list = extra.get(i);
    if (list) list.push(issue);
    else extra.set(i, [issue]);
  };
  const winners: number[] = [];
  validations.forEach((v, i) => {
    if (v.issues.length === 0) winners.push(i);
  });
  const writes = await insertInTurn(conn, model, rowsToInsert(batch), ahead);
  const inserted = new Set<number>();
  const lookup: number[] = [];
  winners.forEach((recordIndex, w) => {
    const write = writes[w];
    if (write?.ok) {
      inserted.add(recordIndex);
    } else if (write?.violation === 'unique') {
      lookup.push(recordIndex);
    } else {
      const field = model.fields.find((f) => f.name === write?.column) ?? model.fields[0];
      addIssue(recordIndex, {
        code: field?.invalidCode ?? 'invalid_record',
        field: field?.name ?? '',
        message: `${field?.name ?? 'record'} rejected by the database (${write?.violation ?? 'constraint'})`,
      });
    }
  });
  const unique = uniqueFields(model);
  // Invalid records are checked for duplicates too, so their messages are complete.
  validations.forEach((v, i) => {
    if (v.issues.length > 0 && unique.some((f) => v.row[f.name] !== undefined)) lookup.push(i);
  });
  if (lookup.length > 0) await findDuplicates(batch, conn, lookup, inserted, addIssue);

  return validations.map((v, i): RecordOutcome => {
    const id = batch.ids[i] ?? null;
    if (inserted.has(i)) return { ok: true, id };
    const issues = sortIssues(model, [...v.issues, ...(extra.get(i) ?? [])]);
    const first = issues[0];
    if (!first) {
      const key = model.fields.find((f) => f.name === model.table.primaryKey);
      const code = key?.duplicateCode ?? 'duplicate_record';
      return { ok: false, id, code, message: 'rejected by the database (unique constraint)' };
    }
    return { ok: false, id, code: first.code, message: issues.map((x) => x.message).join('; ') };
  });
}

/** Inserts `rows`; written ahead, the early rows first, the deferred ones after the turn. */
async function insertInTurn(
  conn: Connection,
  model: AnyModel,
  rows: Row[],
  ahead: WriteAhead | undefined,
): Promise<RowWrite[]> {
  const insert = (list: Row[]) =>
    list.length > 0 ? conn.insertBatch(model.table, list) : Promise.resolve([]);
  if (!ahead) return insert(rows);
  const early = rows.filter((_, w) => ahead.deferred[w] !== 1);
  const earlyWrites = await insert(early);
  // What follows reads what earlier batches committed.
  await ahead.turn();
  if (early.length === rows.length) return earlyWrites;
  const lateWrites = await insert(rows.filter((_, w) => ahead.deferred[w] === 1));
  const writes: RowWrite[] = new Array(rows.length);
  let e = 0;
  let l = 0;
  for (let w = 0; w < rows.length; w++)
    writes[w] = (ahead.deferred[w] === 1 ? lateWrites[l++] : earlyWrites[e++]) as RowWrite;
  return writes;
}

async function findDuplicates(
  batch: PreparedBatch,
  conn: Connection,
  lookup: number[],
  inserted: Set<number>,
  addIssue: (i: number, issue: Issue) => void,
) {
  const { model, validations } = batch;
  for (const field of uniqueFields(model)) {
    const ci = model.table.columns.find((c) => c.name === field.name)?.caseInsensitive;
    const values = lookup
      .map((i) => validations[i]?.row[field.name])
      .filter((x) => x !== undefined && x !== null);
    if (values.length === 0) continue;
    const taken = await conn.existing(model.table, field.name, values);
    if (taken.size === 0) continue;
    // Which record of this batch holds each taken value, if one does.
    const insertedAt = new Map<string, number>();
    for (const i of inserted) {
      const value = validations[i]?.row[field.name];
      if (value === undefined || value === null) continue;
      const key = keyOf(value, ci);
      if (taken.has(key)) insertedAt.set(key, i);
    }
    for (const i of lookup) {
      const value = validations[i]?.row[field.name];
      if (value === undefined || value === null) continue;
      const key = keyOf(value, ci);
      const holder = insertedAt.get(key);
      if (taken.has(key) && (holder === undefined || holder < i)) {
        addIssue(i, {
          code: field.duplicateCode as FailureCode,
          field: field.name,
          message: `${field.name} ${describeValue(value)} already exists`,
        });
      }
    }
  }
}
