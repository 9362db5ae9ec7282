import type { Row } from '../db/dialect.js';
import { DistdbError } from '../errors.js';
import { describe } from '../models/checkValue.js';
import type { Issue } from '../models/failureCodes.js';
import { type AnyModel, type FieldDef, primaryField, referenceFields } from '../models/model.js';
import { unknownField, validateField } from '../models/validate.js';
import type { RecordOutcome } from '../store/outcome.js';
import { checkReferences as checkFieldReferences } from '../store/writeRecords.js';
import { claimAll } from './claims.js';
import {
  type Access,
  build,
  guarded,
  type IndexAccess,
  type IndexRef,
  type QueryContext,
  queryError,
} from './context.js';
import { referenceReader } from './insert.js';
import { notFound, refused } from './outcome.js';
import { claimOf, releaseOwn } from './uniqueIndex.js';
import { queryValue } from './values.js';

/**
 * Changes the fields of `patch` in record `id`: validated like an insert (each field's rule,
 * unique values, references), written with one UPDATE of only those fields, so concurrent
 * updates of other fields are not lost. An unknown id is `not_found`.
 */
export async function updateRecord(
  ctx: QueryContext,
  model: AnyModel,
  id: number,
  patch: unknown,
): Promise<RecordOutcome> {
  const key = primaryField(model);
  if (!Number.isSafeInteger(id))
    throw new DistdbError('usage', `update: ${model.label} id must be an integer, got ${String(id)}`);
  const { values, issues } = checkPatch(model, key, id, patch);
  await checkReferences(ctx, model, values, issues);
  if (issues.length > 0) return refused(model, id, issues);
  const shards = ctx.shards(model);
  if (!shards || shards.key === key.name) {
    const access = await ctx.writer(model, { ...values, [key.name]: id });
    const ix = ctx.index(model);
    return ix ? claimedPatch(await ix.open(), access, id, values) : writePatch(access, model, id, values);
  }
  // Sharded by another field: the index says where the record is.
  const [found] = await ctx.groups(model, 'write', key.name, [id]);
  if (!found) return notFound(model, id);
  const access = await ctx.writerAt(model, found.access.alias);
  const ix = ctx.index(model) as IndexRef;
  return claimedPatch(await ix.open(), access, id, values, shards.key);
}

/**
 * A patch of a model with a global unique index: the new unique values are claimed first (and
 * given back if the write fails), the old ones given back once it is written. A patch moving
 * the record to another shard (a new shard key) is refused with `shard_key_changed`.
 */
async function claimedPatch(
  ix: IndexAccess,
  access: Access,
  id: number,
  values: Row,
  shardKey?: string,
): Promise<RecordOutcome> {
  const { model } = ix;
  const [old] = (await ix.rows(access.alias, [id])).values();
  if (!old) return notFound(model, id);
  if (shardKey !== undefined && shardKey in values && String(values[shardKey]) !== String(old[shardKey])) {
    const message = `${shardKey} cannot be changed: it places the record in its shard`;
    return { ok: false, id, code: 'shard_key_changed', message };
  }
  const changed = ix.fields.filter(
    (f) => f.name in values && claimOf(model, f, values[f.name]) !== claimOf(model, f, old[f.name]),
  );
  const candidate = { position: 0, shard: access.alias, owner: id, row: pick(values, changed) };
  const lost = (await claimAll({ ...ix, fields: changed }, [candidate])).refused.get(0);
  if (lost) return refused(model, id, [lost]);
  const outcome = await writePatch(access, model, id, values);
  if (!outcome.ok) await releaseOwn({ ...ix, fields: changed }, candidate);
  else await releaseOwn({ ...ix, fields: changed }, { ...candidate, row: pick(old, changed) });
  return outcome;
}

function pick(row: Row, fields: readonly FieldDef[]): Row {
  return Object.fromEntries(fields.map((f) => [f.name, row[f.name] ?? null]));
}

function checkPatch(
  model: AnyModel,
  key: FieldDef,
  id: number,
  patch: unknown,
): { values: Row; issues: Issue[] } {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw new DistdbError('usage', `update: the patch of ${model.label} ${id} must be an object`);
  }
  const values: Row = {};
  const issues: Issue[] = [];
  for (const [name, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const field = model.fields.find((f) => f.name === name);
    if (!field) {
      issues.push(unknownField(model, name));
    } else if (field === key) {
      if (value !== id)
        issues.push({ code: key.invalidCode, field: name, message: `${name} cannot be changed` });
    } else {
      const r = validateField(field, value);
      if ('code' in r) issues.push(r);
      else values[name] = r.value;
    }
  }
  return { values, issues };
}

/** A patched reference must name an existing record of its model, checked as an insert's is. */
async function checkReferences(
  ctx: QueryContext,
  model: AnyModel,
  values: Row,
  issues: Issue[],
): Promise<void> {
  const patched = [{ row: values, issues }];
  for (const field of referenceFields(model))
    await checkFieldReferences(field, patched, referenceReader(ctx));
}

async function writePatch(access: Access, model: AnyModel, id: number, values: Row): Promise<RecordOutcome> {
  const key = primaryField(model);
  const keyValue = queryValue(access.conn, model, key, id, 'update');
  const names = Object.keys(values);
  const q = await build(access, (k) => {
    if (names.length === 0)
      return k.selectFrom(model.table.name).select(key.name).where(key.name, '=', keyValue);
    const set = Object.fromEntries(names.map((n) => [n, encoded(access, model, n, values[n] ?? null)]));
    return k.updateTable(model.table.name).set(set).where(key.name, '=', keyValue);
  });
  let found: boolean;
  try {
    const r = await access.conn.runCompiled(q.sql, q.parameters);
    found = names.length === 0 ? r.rows.length > 0 : r.changes > 0;
  } catch (err) {
    const failure = access.conn.dialect.rowFailure(model.table, err);
    if (!failure || failure.ok) throw queryError(access, q.sql, err);
    return refused(model, id, [await violationIssue(access, model, values, failure)]);
  }
  return found ? { ok: true, id } : notFound(model, id);
}

function encoded(access: Access, model: AnyModel, name: string, value: Row[string]): unknown {
  const column = model.table.columns.find((c) => c.name === name);
  return column ? access.conn.encodeParam(column, value ?? null) : value;
}

/** What a constraint the database enforced says about the patch. */
async function violationIssue(
  access: Access,
  model: AnyModel,
  values: Row,
  failure: { violation: string; column?: string },
): Promise<Issue> {
  let field = model.fields.find((f) => f.name === failure.column);
  if (failure.violation === 'unique' && !field?.duplicateCode)
    field = await takenField(access, model, values);
  if (failure.violation === 'unique' && field?.duplicateCode) {
    return {
      code: field.duplicateCode,
      field: field.name,
      message: `${field.name} ${describe(values[field.name])} already exists`,
    };
  }
  const f = field ?? model.fields[0];
  return {
    code: f?.invalidCode ?? 'invalid_record',
    field: f?.name ?? '',
    message: `${f?.name ?? 'record'} rejected by the database (${failure.violation})`,
  };
}

/** Which patched unique field holds a value another record has (the driver did not say). */
async function takenField(access: Access, model: AnyModel, values: Row): Promise<FieldDef | undefined> {
  for (const field of model.fields) {
    const value = values[field.name];
    if (!field.duplicateCode || value === undefined || value === null) continue;
    const taken = await guarded(access, () => access.conn.existing(model.table, field.name, [value]));
    if (taken.size > 0) return field;
  }
  return undefined;
}
