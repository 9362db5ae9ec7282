import { DistdbError, errorLine } from '../errors.js';
import { type AnyModel, primaryField, type ReferenceField, referenceFields } from '../models/model.js';
import { chunk } from '../util/chunk.js';
import { type Access, build, IDS_PER_QUERY, type QueryContext, run } from './context.js';
import { isLayoutChange } from './fence.js';
import { notFound } from './outcome.js';
import { release } from './uniqueIndex.js';
import { queryValue } from './values.js';

/** What a delete did: per model label, how many records it deleted and how many it detached. */
export type DeleteOutcome =
  | {
      readonly ok: true;
      readonly id: number;
      readonly deleted: Record<string, number>;
      readonly detached: Record<string, number>;
    }
  | { readonly ok: false; readonly id: number; readonly code: string; readonly message: string };

/** One change of the plan: delete those records, or clear that reference in them. */
interface Step {
  readonly model: AnyModel;
  readonly ids: number[];
  /** Set: the reference field cleared (onDelete 'setNull'); unset: the records are deleted. */
  readonly clear?: ReferenceField;
}

/**
 * Deletes record `id` and what its references' onDelete says: refused with `referenced` while
 * a `restrict` reference to it (or to a record a cascade would delete) exists in any database.
 * Changes run dependents first, the record last, one transaction per database in turn: if one
 * fails, the records already deleted were dependents only, so no reference is left dangling,
 * and the outcome `delete_incomplete` says what was and was not applied.
 */
export async function deleteRecord(ctx: QueryContext, model: AnyModel, id: number): Promise<DeleteOutcome> {
  if (!Number.isSafeInteger(id))
    throw new DistdbError('usage', `delete: ${model.label} id must be an integer, got ${String(id)}`);
  const key = primaryField(model).name;
  const [own] = await ctx.groups(model, 'write', key, [id]);
  // Inside `atomic` the record is locked first: an insert referencing it that has checked it
  // (and locked it) commits before the references to it are looked for, and one that has not
  // waits, then finds it gone.
  if (!own || (await existingIds(own.access, model, key, [id], own.access.lockReads)).length === 0) {
    return notFound(model, id) as DeleteOutcome;
  }
  const steps: Step[] = [];
  const blocked = await plan(ctx, model, [id], steps);
  if (blocked) return { ok: false, id, code: 'referenced', message: `${model.label} ${id} ${blocked}` };
  steps.push({ model, ids: [id] });
  return apply(ctx, id, steps);
}

/**
 * Adds the changes deleting `ids` of `model` needs, dependents before what they depend on; returns why
 * it may not happen, if a restricting reference is found.
 */
async function plan(
  ctx: QueryContext,
  model: AnyModel,
  ids: number[],
  steps: Step[],
): Promise<string | undefined> {
  for (const [m, field] of referencing(ctx, model)) {
    // Looking is not writing: what the references say is applied (or refused) in apply().
    const { found, alias } = await referencingIds(ctx, m, field, ids);
    if (found.length === 0) continue;
    const onDelete = field.relation?.onDelete ?? 'restrict';
    if (onDelete === 'restrict') {
      return `is referenced by ${found.length} ${m.label} record(s) in database "${alias}" (${m.label}.${field.name})`;
    }
    if (onDelete === 'setNull') {
      steps.push({ model: m, ids: found, clear: field });
      continue;
    }
    const deeper = await plan(ctx, m, found, steps);
    if (deeper)
      return `would delete ${m.label} records that are still referenced: ${m.label} ${found[0]} ${deeper}`;
    steps.push({ model: m, ids: found });
  }
  return undefined;
}

/** Ids of `m`'s records whose `field` is one of `ids`, wherever `m` is written; the first database with any. */
async function referencingIds(
  ctx: QueryContext,
  m: AnyModel,
  field: ReferenceField,
  ids: number[],
): Promise<{ found: number[]; alias: string | undefined }> {
  const found: number[] = [];
  let alias: string | undefined;
  for (const group of await ctx.groups(m, 'write', field.name, ids)) {
    const ids = await existingIds(group.access, m, field.name, group.values as number[]);
    const owned = ctx.owned(m, group.access.alias);
    const key = m.table.primaryKey;
    const here = owned ? ids.filter((id) => owned({ [key]: id })) : ids;
    if (here.length > 0) alias ??= group.access.alias;
    found.push(...here);
  }
  // In id order, whichever databases they came from: the outcome names the first.
  return { found: found.sort((a, b) => a - b), alias };
}

/** Every (model, field) referencing `model`. */
function referencing(ctx: QueryContext, model: AnyModel): [AnyModel, ReferenceField][] {
  return ctx.models.flatMap((m) =>
    referenceFields(m)
      .filter((f) => f.type.model === model.label)
      .map((f): [AnyModel, ReferenceField] => [m, f]),
  );
}

/** Primary keys of `model`'s records whose `column` is one of `values`. */
async function existingIds(
  access: Access,
  model: AnyModel,
  column: string,
  values: number[],
  lock = false,
): Promise<number[]> {
  const key = model.table.primaryKey;
  const locking = lock ? access.conn.dialect.updateLock : '';
  const field = model.fields.find((f) => f.name === column);
  if (!field) return [];
  const found: number[] = [];
  for (const part of chunk(values, IDS_PER_QUERY)) {
    const encoded = part.map((v) => queryValue(access.conn, model, field, v, 'delete'));
    const q = await build(access, (k, sql) => {
      const s = k.selectFrom(model.table.name).select(key).where(column, 'in', encoded);
      return locking ? s.modifyEnd(sql.raw(locking)) : s;
    });
    for (const r of (await run(access, q)).rows) found.push(Number(r[key]));
  }
  return found;
}

/** Runs the steps, consecutive steps on one database in one transaction. */
async function apply(ctx: QueryContext, id: number, steps: Step[]): Promise<DeleteOutcome> {
  const deleted: Record<string, number> = {};
  const detached: Record<string, number> = {};
  const done: string[] = [];
  const groups = await byDatabase(ctx, steps);
  for (const [i, group] of groups.entries()) {
    try {
      await group.access.conn.transaction(async (tx) => {
        for (const step of group.steps) await runStep({ alias: group.access.alias, conn: tx }, step);
      });
    } catch (err) {
      // Turned away by a reshard's switch before anything was applied: the caller routes it again.
      // Inside atomic, the whole delete (and what came before it) rolls back instead.
      if ((i === 0 && isLayoutChange(err)) || ctx.atomic) throw err;
      const left = groups
        .slice(i)
        .map((g) => `"${g.access.alias}"`)
        .join(', ');
      const applied = done.length > 0 ? `applied in ${done.join(', ')}; ` : '';
      // Scrubbed: a failure to begin the transaction is the driver's own text.
      const reason = errorLine(err);
      return {
        ok: false,
        id,
        code: 'delete_incomplete',
        message: `${applied}not applied in ${left}: ${reason}`,
      };
    }
    for (const step of group.steps) {
      const counts = step.clear ? detached : deleted;
      counts[step.model.label] = (counts[step.model.label] ?? 0) + step.ids.length;
      // Deleted records give back their unique values (a crash before is tidied by the next claim).
      const ix = step.clear ? undefined : ctx.index(step.model);
      if (ix) await release(await ix.open(), group.access.alias, step.ids);
    }
    done.push(`"${group.access.alias}"`);
  }
  return { ok: true, id, deleted, detached };
}

/** The steps by database, in order: a sharded model's records each in their shard. */
async function byDatabase(ctx: QueryContext, steps: Step[]): Promise<{ access: Access; steps: Step[] }[]> {
  const groups: { access: Access; steps: Step[] }[] = [];
  for (const step of steps) {
    const key = primaryField(step.model).name;
    // Fenced by the layout the records were placed by, whatever is read meanwhile.
    const version = ctx.shards(step.model)?.version;
    for (const shard of await ctx.groups(step.model, 'write', key, step.ids)) {
      const ids = shard.values as number[];
      const access = await ctx.writerAt(step.model, shard.access.alias, version);
      const last = groups[groups.length - 1];
      const part = { ...step, ids };
      if (last && last.access.alias === access.alias) last.steps.push(part);
      else groups.push({ access, steps: [part] });
    }
  }
  return groups;
}

async function runStep(access: Access, step: Step): Promise<void> {
  const { model } = step;
  const key = primaryField(model);
  for (const part of chunk(step.ids, IDS_PER_QUERY)) {
    const ids = part.map((v) => queryValue(access.conn, model, key, v, 'delete'));
    const q = await build(access, (k) =>
      step.clear
        ? k
            .updateTable(model.table.name)
            .set({ [step.clear.name]: null })
            .where(key.name, 'in', ids)
        : k.deleteFrom(model.table.name).where(key.name, 'in', ids),
    );
    await run(access, q);
  }
}
