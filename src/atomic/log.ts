import type { Connection } from '../db/dialect.js';
import { ensureOwnTable } from '../queries/ownTables.js';
import {
  ATOMIC_COORDINATORS_TABLE as COORDINATORS,
  ATOMIC_LOG_TABLE as LOG,
} from '../schema/distdbTables.js';

/** One database's part of a transaction across databases, prepared under `xid`. */
export interface Branch {
  readonly alias: string;
  readonly xid: string;
}

/** Every global id distdb gives starts so: recovery leaves other prepared transactions alone. */
export const XID_PREFIX = 'distdb-';

/** The id of a coordinator's `seq`th transaction, and of its `n`th branch. */
export function txidOf(coordinator: string, seq: number): string {
  return `${XID_PREFIX}${coordinator}-${seq}`;
}

export function branchXid(txid: string, n: number): string {
  return `${txid}-${n}`;
}

/** The transaction and coordinator a branch id names, if distdb gave it. */
export function parseXid(xid: string): { txid: string; coordinator: string } | undefined {
  const m = /^distdb-([a-z0-9]+)-(\d+)-\d+$/.exec(xid);
  return m ? { txid: xid.slice(0, xid.lastIndexOf('-')), coordinator: m[1] as string } : undefined;
}

/** The lock a live coordinator holds in `default`. */
export function coordinatorLock(coordinator: string): string {
  return `distdb_atomic_${coordinator}`;
}

export async function registerCoordinator(conn: Connection, coordinator: string): Promise<void> {
  await ensureOwnTable(conn, COORDINATORS);
  await conn.execute(`INSERT INTO ${COORDINATORS.name} (coordinator, started_at) VALUES (?, ?)`, [
    coordinator,
    new Date().toISOString(),
  ]);
}

export async function forgetCoordinator(conn: Connection, coordinator: string): Promise<void> {
  await conn.execute(`DELETE FROM ${COORDINATORS.name} WHERE coordinator = ?`, [coordinator]);
}

/** The coordinators registered in `conn` (none where the table was never made). */
export async function coordinators(conn: Connection): Promise<string[]> {
  if (!(await conn.tableExists(COORDINATORS.name))) return [];
  const rows = await conn.query(`SELECT coordinator FROM ${COORDINATORS.name}`);
  return rows.map((r) => String(r.coordinator));
}

/** The commit decision of `txid`: the moment it is stored, the transaction is committed. */
export async function recordDecision(
  conn: Connection,
  txid: string,
  branches: readonly Branch[],
): Promise<void> {
  await conn.execute(`INSERT INTO ${LOG.name} (txid, participants, decided_at) VALUES (?, ?, ?)`, [
    txid,
    JSON.stringify(branches),
    new Date().toISOString(),
  ]);
}

export async function forgetDecisions(conn: Connection, txids: readonly string[]): Promise<void> {
  if (txids.length === 0) return;
  const marks = txids.map(() => '?').join(', ');
  await conn.execute(`DELETE FROM ${LOG.name} WHERE txid IN (${marks})`, txids);
}

/** The committed transactions `conn` logs, with their branches. */
export async function decisions(conn: Connection): Promise<Map<string, Branch[]>> {
  const out = new Map<string, Branch[]>();
  if (!(await conn.tableExists(LOG.name))) return out;
  for (const r of await conn.query(`SELECT txid, participants FROM ${LOG.name}`))
    out.set(String(r.txid), JSON.parse(String(r.participants)) as Branch[]);
  return out;
}

export function ensureLog(conn: Connection): Promise<void> {
  return ensureOwnTable(conn, LOG);
}
