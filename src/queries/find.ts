import type { AnyModel } from '../models/model.js';
import { build, type QueryContext, run } from './context.js';
import { includeRelations } from './include.js';
import { type FindOptions, selectRecords } from './select.js';
import { whereExpression } from './where.js';

/** Records of `model` matching `where`, with the relations of `include`. */
export async function findRecords(
  ctx: QueryContext,
  model: AnyModel,
  options: FindOptions = {},
): Promise<Record<string, unknown>[]> {
  const access = await ctx.reader(model);
  const records = await selectRecords(access, model, options);
  if (options.include?.length) await includeRelations(ctx, model, records, options.include);
  return records;
}

export async function countRecords(ctx: QueryContext, model: AnyModel, where: unknown): Promise<number> {
  const access = await ctx.reader(model);
  const q = await build(access, (k) => {
    let s = k.selectFrom(model.table.name).select((eb) => eb.fn.countAll().as('n'));
    if (where !== undefined) s = s.where((eb) => whereExpression(eb, model, access.conn, where));
    return s;
  });
  const { rows } = await run(access, q);
  return Number(rows[0]?.n ?? 0);
}
