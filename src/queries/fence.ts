import type { Connection } from '../db/dialect.js';
import { DistdbError } from '../errors.js';
import type { AnyModel } from '../models/model.js';
import type { Shards } from '../routing/router.js';
import { SHARD_EPOCHS_TABLE } from '../schema/distdbTables.js';
import type { Access } from './context.js';
import { ensureOwnTableAt, putOwnRow } from './ownTables.js';

const T = SHARD_EPOCHS_TABLE.name;

/** Why a write was turned away by a shard: the model's layout changed since it was routed. */
export const LAYOUT_CHANGED = 'layout_changed';

/** A write turned away by a shard: which model, and the layout version it was routed by. */
export class LayoutChanged extends DistdbError {
  constructor(
    message: string,
    alias: string,
    readonly model: string,
    readonly version: number,
  ) {
    super('conflict', message, { alias, reason: LAYOUT_CHANGED });
  }
}

/** The layout change that turned a write away, wherever it is in the error's causes. */
export function layoutChangeOf(err: unknown): LayoutChanged | undefined {
  for (let e = err; e instanceof Error; e = e.cause) if (e instanceof LayoutChanged) return e;
  return undefined;
}

export function isLayoutChange(err: unknown): boolean {
  return layoutChangeOf(err) !== undefined;
}

/**
 * Reads the shard's epoch of `model` under a shared lock held until the transaction ends: a
 * reshard's switch, which rewrites it, waits for this write to commit, and a write that reads
 * another version than the one it was routed by is turned away (nothing of it is written).
 */
async function checkEpoch(tx: Connection, alias: string, model: AnyModel, version: number): Promise<void> {
  const [row] = await tx.query(`SELECT version FROM ${T} WHERE model = ?${tx.dialect.shareLock}`, [
    model.label,
  ]);
  // No row: this shard has never been part of a reshard of the model, so any layout has it.
  if (row === undefined || Number(row.version) === version) return;
  throw new LayoutChanged(
    `database "${alias}": ${model.label} is now at layout version ${row.version}, not ${version}`,
    alias,
    model.label,
    version,
  );
}

const READ = /^\s*select\b/i;

/**
 * A shard of a sharded model as its writes use it: each write transaction (and each write
 * statement outside one, which gets its own) first checks the shard's epoch, so that no write
 * routed by an older layout lands once a reshard has switched.
 */
export async function fencedAccess(access: Access, model: AnyModel, version: number): Promise<Access> {
  const conn = access.conn;
  await ensureOwnTableAt(access, SHARD_EPOCHS_TABLE);
  const check = (tx: Connection) => checkEpoch(tx, access.alias, model, version);
  if (access.inTransaction) {
    await check(conn);
    return access;
  }
  const inTx = <T>(work: (tx: Connection) => Promise<T>) =>
    conn.transaction(async (tx) => {
      await check(tx);
      return work(tx);
    });
  const fenced = new Proxy(conn, {
    get(target, prop) {
      if (prop === 'transaction') return inTx;
      if (prop === 'insertBatch')
        return (...args: Parameters<Connection['insertBatch']>) => inTx((tx) => tx.insertBatch(...args));
      if (prop === 'runCompiled' || prop === 'execute')
        return (text: string, params: readonly never[]) =>
          READ.test(text) ? target[prop](text, params) : inTx((tx) => tx[prop as 'execute'](text, params));
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { ...access, conn: fenced };
}

/** How a write reaches `access`: fenced for a shard of a sharded model, as it is otherwise. */
export function writeAccess(
  shards: Shards | undefined,
  model: AnyModel,
  access: Access,
  version?: number,
): Promise<Access> {
  return shards ? fencedAccess(access, model, version ?? shards.version) : Promise.resolve(access);
}

/**
 * Sets the epoch of `model` in a shard: rewriting it waits for the writes in flight there
 * (they hold it under a shared lock), and turns away later ones routed by another version.
 */
export async function setEpoch(conn: Connection, model: AnyModel, version: number): Promise<void> {
  await ensureOwnTableAt({ alias: '', conn }, SHARD_EPOCHS_TABLE);
  await putOwnRow(conn, SHARD_EPOCHS_TABLE, { model: model.label, version });
}

/** Takes the epoch of `model` out of a shard (a reshard was given up before its switch). */
export async function dropEpoch(conn: Connection, model: AnyModel): Promise<void> {
  if (await conn.tableExists(T)) await conn.execute(`DELETE FROM ${T} WHERE model = ?`, [model.label]);
}
