import { createHash } from 'node:crypto';
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

/**
 * A deployment's tag, from its `default` database: it starts the ids of its coordinators, so
 * deployments sharing a server (a MySQL/MariaDB server lists every branch prepared on it) each
 * recover only their own transactions.
 */
export function deploymentTag(logUrl: string): string {
  // The database itself, whoever connects and however: no user, no options.
  const where = logUrl.split('?')[0]?.replace(/\/\/[^/@]*@/, '//') ?? logUrl;
  return createHash('sha256').update(where).digest('hex').slice(0, 6);
}

/** The start of the branch ids of a deployment's transactions. */
export function deploymentPrefix(tag: string): string {
  return `${XID_PREFIX}${tag}`;
}

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

/**
 * Stores the decision on `txid`: the moment a `commit` is stored, the transaction is committed.
 * False when another decision was stored first (recovery's `abort`): that one stands.
 */
export async function recordDecision(
  conn: Connection,
  txid: string,
  decision: 'commit' | 'abort',
  branches: readonly Branch[],
): Promise<boolean> {
  try {
    await conn.execute(
      `INSERT INTO ${LOG.name} (txid, decision, participants, decided_at) VALUES (?, ?, ?, ?)`,
      [txid, decision, JSON.stringify(branches), new Date().toISOString()],
    );
    return true;
  } catch (err) {
    const refused = conn.dialect.rowFailure(LOG, err);
    if (refused && !refused.ok && refused.violation === 'unique') return false;
    throw err;
  }
}

/** The decision stored on `txid` in `conn`'s log, if any. */
export async function decisionOn(conn: Connection, txid: string): Promise<'commit' | 'abort' | undefined> {
  if (!(await conn.tableExists(LOG.name))) return undefined;
  const [row] = await conn.query(`SELECT decision FROM ${LOG.name} WHERE txid = ?`, [txid]);
  return row === undefined ? undefined : row.decision === 'commit' ? 'commit' : 'abort';
}

export async function forgetDecisions(conn: Connection, txids: readonly string[]): Promise<void> {
  if (txids.length === 0) return;
  const marks = txids.map(() => '?').join(', ');
  await conn.execute(`DELETE FROM ${LOG.name} WHERE txid IN (${marks})`, txids);
}

/** The decisions `conn` logs, with their branches. */
export interface Decision {
  readonly decision: 'commit' | 'abort';
  readonly decidedAt: string;
}

/** The decisions `conn` logs whose ids start with `prefix`. */
export async function decisions(conn: Connection, prefix: string): Promise<Map<string, Decision>> {
  const out = new Map<string, Decision>();
  if (!(await conn.tableExists(LOG.name))) return out;
  for (const r of await conn.query(`SELECT txid, decision, decided_at FROM ${LOG.name}`)) {
    const txid = String(r.txid);
    if (!txid.startsWith(prefix)) continue;
    out.set(txid, {
      decision: r.decision === 'commit' ? 'commit' : 'abort',
      decidedAt: String(r.decided_at),
    });
  }
  return out;
}

export function ensureLog(conn: Connection): Promise<void> {
  return ensureOwnTable(conn, LOG);
}

/**
 * Whether the commit decision on `txid` is in `log` once the answer to writing it was lost.
 * Found: true. Absent: an abort is stored under the same key first, so the lost write cannot
 * land later (false), unless the commit got there first (true). Undefined: the log did not answer.
 */
export async function settledDecision(log: Connection, txid: string): Promise<boolean | undefined> {
  try {
    const found = await decisionOn(log, txid);
    if (found) return found === 'commit';
    if (await recordDecision(log, txid, 'abort', [])) return false;
    return (await decisionOn(log, txid)) === 'commit';
  } catch {
    return undefined;
  }
}
