import type { AnyModel } from '../models/model.js';
import { type Access, build, type QueryContext, run } from './context.js';
import { gatherRecords } from './gather.js';
import { includeRelations } from './include.js';
import { type FindOptions, selectRecords } from './select.js';
import { keysIn } from './shardKeys.js';
import { whereExpression } from './where.js';

/**
 * The databases a query of `model` with `where` must ask: for a sharded model, only the shards
 * it can touch, by the shard keys it names or, when it names ids the index keeps, their shards.
 */
async function readersOf(ctx: QueryContext, model: AnyModel, where: unknown): Promise<Access[]> {
  const shards = ctx.shards(model);
  const keys = shards && keysIn(where, shards.key);
  const primary = model.table.primaryKey;
  const ids = shards && !keys && ctx.index(model) ? keysIn(where, primary) : undefined;
  if (!ids) return ctx.readers(model, keys);
  const found = await ctx.groups(model, 'read', primary, ids);
  // None of them exists: one shard still checks the query.
  return found.length > 0 ? found.map((g) => g.access) : ctx.readers(model, []);
}

/** Records of `model` matching `where`, with the relations of `include`. */
export async function findRecords(
  ctx: QueryContext,
  model: AnyModel,
  options: FindOptions = {},
): Promise<Record<string, unknown>[]> {
  const accesses = await readersOf(ctx, model, options.where);
  const [only] = accesses;
  const strays = ctx.shards(model)?.strays === true;
  const records =
    accesses.length === 1 && only && !strays
      ? // A sharded model orders text one way, however many shards a query asks.
        await selectRecords(only, model, { ...options, binaryText: ctx.shards(model) !== undefined })
      : await gatherRecords(accesses, model, options, (alias) => ctx.owned(model, alias));
  if (options.include?.length) await includeRelations(ctx, model, records, options.include);
  return records;
}

export async function countRecords(ctx: QueryContext, model: AnyModel, where: unknown): Promise<number> {
  const counts = await Promise.all(
    (await readersOf(ctx, model, where)).map(async (access) => {
      // While moved rows are still here, only their keys are read, and those the shard keeps counted.
      const owned = ctx.owned(model, access.alias);
      const key = ctx.shards(model)?.key ?? model.table.primaryKey;
      const q = await build(access, (k) => {
        let s = k
          .selectFrom(model.table.name)
          .select((eb) => (owned ? eb.ref(key).as('k') : eb.fn.countAll().as('n')));
        if (where !== undefined) s = s.where((eb) => whereExpression(eb, model, access.conn, where));
        return s;
      });
      const { rows } = await run(access, q);
      if (owned) return rows.filter((r) => owned({ [key]: r.k })).length;
      return Number(rows[0]?.n ?? 0);
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}
