import type { Connection, Row } from '../db/dialect.js';
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
import { aliasesFor, type Placement, type Side, valuesByDatabase } from './placement.js';
import { globalFields, locate } from './uniqueIndex.js';

type Reach = (alias: string, side: Side) => Promise<Access>;

/** A context's `shards`, `readers`, `groups` and `index`, from where models are and how a database is reached. */
export function placedAccess(
  place: Placement,
  access: Reach,
): Pick<QueryContext, 'shards' | 'readers' | 'groups' | 'index'> {
  const index = (model: AnyModel) => indexOf(place, access, model);
  return {
    shards: (model) => place.shards(model),
    readers: (model, keys) =>
      Promise.all(aliasesFor(place, model, 'read', keys).map((a) => access(a, 'read'))),
    groups: async (model, side, field, values) => {
      const ix = index(model);
      const indexed = ix?.fields.find((f) => f.name === field);
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

function indexOf(place: Placement, access: Reach, model: AnyModel): IndexRef | undefined {
  const shards = place.shards(model);
  const fields = shards ? globalFields(model, shards) : [];
  if (!shards || fields.length === 0) return undefined;
  return { fields, open: () => openIndex(access, model, shards.index, fields) };
}

/** Index databases whose table is known to be there. */
const ready = new WeakSet<Connection>();

/** The index's table, made on first use (under the migration lock, so two processes make it once). */
async function ensureTable(conn: Connection): Promise<void> {
  if (ready.has(conn)) return;
  if (!(await conn.tableExists(SHARD_KEYS_TABLE.name))) {
    await conn.withLock('distdb_migrate', async () => {
      for (const sql of await conn.dialect.ddl({ kind: 'createTable', table: SHARD_KEYS_TABLE }))
        await conn.execute(sql);
    });
  }
  ready.add(conn);
}

async function openIndex(
  access: Reach,
  model: AnyModel,
  alias: string,
  fields: readonly FieldDef[],
): Promise<IndexAccess> {
  const ia = await access(alias, 'write');
  await ensureTable(ia.conn);
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
