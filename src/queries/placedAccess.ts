import type { Row } from '../db/dialect.js';
import type { AnyModel, FieldDef } from '../models/model.js';
import { SHARD_KEYS_TABLE } from '../schema/distdbTables.js';
import { chunk } from '../util/chunk.js';
import {
  type Access,
  build,
  type Group,
  IDS_PER_QUERY,
  type IndexAccess,
  type IndexRef,
  type QueryContext,
  run,
} from './context.js';
import { drawBlock, highestId, type IdBlocks, type IdSource } from './idBlocks.js';
import { ensureOwnTableAt } from './ownTables.js';
import { aliasesFor, ownedIn, type Placement, type Side, valuesByDatabase } from './placement.js';
import { globalFields, locate } from './uniqueIndex.js';

type Reach = (alias: string, side: Side) => Promise<Access>;

/** A context's `shards`, `readers`, `groups` and `index`, from where models are and how a database is reached. */
export function placedAccess(
  place: Placement,
  access: Reach,
  blocks: IdBlocks,
): Pick<QueryContext, 'shards' | 'readers' | 'groups' | 'index' | 'ids' | 'owned'> {
  const index = (model: AnyModel) => indexOf(place, access, model);
  return {
    ids: (model, count) => idsOf(place, access, blocks, model, count),
    shards: (model) => place.shards(model),
    owned: (model, alias) => ownedIn(place, model, alias),
    readers: (model, keys) =>
      Promise.all(aliasesFor(place, model, 'read', keys).map((a) => access(a, 'read'))),
    groups: async (model, side, field, values) => {
      const ix = index(model);
      // The shard key's values are placed by the rule itself (but a case-insensitive key's
      // spellings hash apart); the index places the others.
      const kept = ix?.fields.find((f) => f.name === field);
      const indexed = field === place.shards(model)?.key && !kept?.caseInsensitive ? undefined : kept;
      const groups =
        ix && indexed
          ? await locate(await ix.open(), indexed, values)
          : valuesByDatabase(place, model, side, field, values);
      return Promise.all(
        [...groups].map(
          async ([alias, group]): Promise<Group> => ({ access: await access(alias, side), values: group }),
        ),
      );
    },
    index,
  };
}

/**
 * Ids drawn where the model's index is (a sharded model) or in its own database. From inside a
 * transaction of that database they are drawn outside it, as a sequence's are (a rollback leaves
 * a gap, and no lock is held until it ends); where the database has no other connection than
 * the transaction's, in it, and not kept for later: a rollback gives them back.
 */
async function idsOf(place: Placement, access: Reach, blocks: IdBlocks, model: AnyModel, count: number) {
  const shards = place.shards(model);
  const at = await access(shards ? shards.index : place.alias(model, 'write'), 'write');
  const source: IdSource = {
    access: at.outside && at.outside !== at.conn ? { alias: at.alias, conn: at.outside } : at,
    highest: async () =>
      highestId(
        model,
        await Promise.all(aliasesFor(place, model, 'write', undefined).map((a) => access(a, 'write'))),
      ),
  };
  if (!source.access.inTransaction) return blocks.take(model, count, (n) => drawBlock(source, model, n));
  const first = await drawBlock(source, model, count);
  return Array.from({ length: count }, (_, i) => first + i);
}

function indexOf(place: Placement, access: Reach, model: AnyModel): IndexRef | undefined {
  const shards = place.shards(model);
  const fields = shards ? globalFields(model, shards) : [];
  if (!shards || fields.length === 0) return undefined;
  return { fields, open: () => openIndex(access, model, shards.index, fields) };
}

/** A sharded model's index in database `alias`, its table made on first use. */
export async function openIndex(
  access: Reach,
  model: AnyModel,
  alias: string,
  fields: readonly FieldDef[],
): Promise<IndexAccess> {
  const ia = await access(alias, 'write');
  await ensureOwnTableAt(ia, SHARD_KEYS_TABLE);
  const key = model.table.primaryKey;
  return {
    access: ia,
    model,
    fields,
    rows: async (shard, ids) => {
      const at = await access(shard, 'read');
      const found = new Map<number, Row>();
      for (const part of chunk([...ids], IDS_PER_QUERY)) {
        const q = await build(at, (k) => k.selectFrom(model.table.name).selectAll().where(key, 'in', part));
        for (const r of (await run(at, q)).rows) found.set(Number(r[key]), r);
      }
      return found;
    },
  };
}
