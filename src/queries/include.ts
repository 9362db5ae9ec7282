import { DistdbError } from '../errors.js';
import { type AnyModel, referenceFields, relationNamed } from '../models/model.js';
import { chunk } from '../util/chunk.js';
import { IDS_PER_QUERY, type QueryContext } from './context.js';
import { selectRecords } from './select.js';

/**
 * Sets `record[name]` to the referenced record (null when it does not exist) for each relation
 * in `include`, read from the referenced model's own database: one query per relation and
 * database (or shard) for up to IDS_PER_QUERY distinct ids, never one per record.
 */
export async function includeRelations(
  ctx: QueryContext,
  model: AnyModel,
  records: Record<string, unknown>[],
  include: readonly string[],
): Promise<void> {
  for (const name of new Set(include)) {
    const field = relationNamed(model, name);
    if (!field) {
      const names = referenceFields(model).map((f) => f.relation?.name);
      const known = names.length > 0 ? `relations: ${names.join(', ')}` : 'it has none';
      throw new DistdbError('usage', `include: ${model.label} has no relation "${name}" (${known})`);
    }
    const target = ctx.model(field.type.model);
    const byId = await recordsById(
      ctx,
      target,
      records.map((r) => r[field.name]),
    );
    for (const r of records) r[name] = byId.get(r[field.name] as number) ?? null;
  }
}

async function recordsById(
  ctx: QueryContext,
  model: AnyModel,
  values: unknown[],
): Promise<Map<unknown, unknown>> {
  const ids = [...new Set(values.filter((v): v is number => typeof v === 'number'))];
  const byId = new Map<unknown, unknown>();
  if (ids.length === 0) return byId;
  const key = model.table.primaryKey;
  for (const { access, values: group } of await ctx.groups(model, 'read', key, ids)) {
    for (const part of chunk(group, IDS_PER_QUERY)) {
      for (const r of await selectRecords(access, model, { where: { [key]: { in: part } } }))
        byId.set(r[key], r);
    }
  }
  return byId;
}
