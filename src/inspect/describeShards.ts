import type { Distdb } from '../distdb.js';
import { DistdbError } from '../errors.js';
import type { AnyModel } from '../models/model.js';

export interface ShardDescription {
  readonly database: string;
  readonly backend: string;
  /** Records of the model in this shard (0 before its table is migrated). */
  readonly rows: number;
  /** rows / the model's rows in all shards (0 when it has none). */
  readonly share: number;
}

export interface ShardedModel {
  readonly model: string;
  /** `hash(id)` or `range(id)`. */
  readonly rule: string;
  /** The version of the layout in force: 1 as configured, one more after each reshard. */
  readonly version: number;
  readonly rows: number;
  readonly shards: ShardDescription[];
}

/** Per sharded model (or only `model`), each shard's database, backend and share of the rows. */
export async function describeShards(db: Distdb, model?: AnyModel): Promise<ShardedModel[]> {
  const models = model ? [model] : db.models.filter((m) => db.shards(m));
  const out: ShardedModel[] = [];
  for (const m of models) {
    const shards = db.shards(m);
    if (!shards) throw new DistdbError('usage', `${m.label} is not sharded (sharded: ${shardedLabels(db)})`);
    const counted = await Promise.all(
      shards.databases.map((alias) =>
        db.inDatabase(alias, async (conn) => {
          let rows = 0;
          if (await conn.tableExists(m.table.name)) {
            const r = await conn.query(`SELECT COUNT(*) AS n FROM ${conn.dialect.quoteId(m.table.name)}`);
            rows = Number(r[0]?.n ?? 0);
          }
          return { database: alias, backend: conn.dialect.backend, rows };
        }),
      ),
    );
    const rows = counted.reduce((n, s) => n + s.rows, 0);
    out.push({
      model: m.label,
      rule: shards.label,
      version: shards.version,
      rows,
      shards: counted.map((s) => ({ ...s, share: rows === 0 ? 0 : s.rows / rows })),
    });
  }
  return out;
}

function shardedLabels(db: Distdb): string {
  return (
    db.models
      .filter((m) => db.shards(m))
      .map((m) => m.label)
      .join(', ') || 'none'
  );
}
