import type { Connection } from '../db/dialect.js';
import { errorLine } from '../errors.js';
import {
  coordinatorLock,
  coordinators,
  decisionOn,
  decisions,
  ensureLog,
  forgetCoordinator,
  forgetDecisions,
  parseXid,
  recordDecision,
  XID_PREFIX,
} from './log.js';

/** What recovery did with one prepared branch. */
export interface RecoveredBranch {
  readonly alias: string;
  readonly xid: string;
  /**
   * `committed` (its decision was logged), `rolled back` (none was), `in progress` (its
   * coordinator is alive), `in doubt` (left: a database whose log may hold its decision did not answer).
   */
  readonly action: 'committed' | 'rolled back' | 'in progress' | 'in doubt';
}

export interface RecoveryResult {
  readonly branches: readonly RecoveredBranch[];
  /** Databases that could not be asked: what they hold stays in doubt until the next recovery. */
  readonly unreachable: readonly { readonly alias: string; readonly message: string }[];
}

export interface RecoveryHost {
  readonly aliases: readonly string[];
  readonly logAlias: string;
  /** Undefined for a database that does not exist (recovery never creates one). */
  connectionIfAny(alias: string): Promise<Connection | undefined>;
  /** The coordinator of this process, which recovery leaves alone. */
  readonly ownCoordinator: string;
  /** The start of this deployment's branch ids (deploymentPrefix): others' are left alone. */
  readonly prefix: string;
}

/** The databases recovery reached, and those it did not (with why). */
interface Reach {
  readonly conns: Map<string, Connection>;
  readonly unreachable: { alias: string; message: string }[];
}

async function reachAll(host: RecoveryHost): Promise<Reach> {
  const reach: Reach = { conns: new Map(), unreachable: [] };
  for (const alias of host.aliases) {
    try {
      const conn = await host.connectionIfAny(alias);
      if (conn) reach.conns.set(alias, conn);
    } catch (err) {
      reach.unreachable.push({ alias, message: errorLine(err) });
    }
  }
  return reach;
}

/**
 * Ends every transaction across databases a crash left in doubt: each branch prepared by a
 * coordinator that is no longer alive is committed when a log holds its commit decision
 * (`default`'s, or that of the database that took part without two-phase commit), else rolled
 * back, once an abort is stored in `default`'s log (so a coordinator not really gone can no
 * longer commit it). Then the decisions and coordinators with nothing left go from the log.
 */
export async function recoverAtomic(host: RecoveryHost): Promise<RecoveryResult> {
  const reach = await reachAll(host);
  const log = reach.conns.get(host.logAlias);
  const alive = async (coordinator: string) =>
    coordinator === host.ownCoordinator || ((await log?.lockHeld(coordinatorLock(coordinator))) ?? false);
  const branches: RecoveredBranch[] = [];
  const left = new Set<string>();
  const seen = new Set<string>();
  for (const [alias, conn] of reach.conns) {
    const tp = conn.twoPhase;
    if (!tp) continue;
    const xids = await tp.prepared(host.prefix).catch((err: unknown) => {
      reach.unreachable.push({ alias, message: errorLine(err) });
      return [];
    });
    for (const xid of xids) {
      const named = parseXid(xid);
      // A MySQL/MariaDB server lists its prepared branches to every database on it.
      if (!named || seen.has(xid)) continue;
      seen.add(xid);
      const verdict = (await alive(named.coordinator)) ? 'live' : await verdictOn(named.txid, reach, log);
      if (verdict === 'live' || verdict === undefined) {
        left.add(named.txid);
        branches.push({ alias, xid, action: verdict === 'live' ? 'in progress' : 'in doubt' });
        continue;
      }
      try {
        const end = () => (verdict === 'commit' ? tp.commitPrepared(xid) : tp.rollbackPrepared(xid));
        // Not found: another session ended it meanwhile, or has it still (so it stays listed).
        if (await persist(end))
          branches.push({ alias, xid, action: verdict === 'commit' ? 'committed' : 'rolled back' });
        else left.add(named.txid);
      } catch (err) {
        left.add(named.txid);
        reach.unreachable.push({ alias, message: `${xid}: ${errorLine(err)}` });
      }
    }
  }
  if (reach.unreachable.length === 0) await tidy(reach, log, alive, left, host.prefix);
  return { branches, unreachable: reach.unreachable };
}

/**
 * The decision on `txid`, read now from every log. None: an abort is stored in `default`'s
 * log, unless a commit got there first. Undefined while a log could not be read.
 */
async function verdictOn(
  txid: string,
  reach: Reach,
  log: Connection | undefined,
): Promise<'commit' | 'abort' | undefined> {
  let known = reach.unreachable.length === 0;
  for (const conn of reach.conns.values()) {
    const d = await decisionOn(conn, txid).catch(() => {
      known = false;
      return undefined;
    });
    if (d) return d;
  }
  if (!known || !log) return undefined;
  try {
    // In `default`, and in each log a last resource keeps: a coordinator not really gone finds
    // the key taken wherever it would store its commit (a last resource's open transaction
    // holding it makes this wait until it ends).
    for (const conn of reach.conns.values()) {
      if (conn !== log && !(conn.twoPhase === undefined || (await conn.twoPhase.unavailable()))) continue;
      await ensureLog(conn);
      if (!(await recordDecision(conn, txid, 'abort', []))) return await decisionOn(conn, txid);
    }
    return 'abort';
  } catch {
    return undefined;
  }
}

/** Once every database answered: decisions and coordinators of the dead with nothing `left` prepared go. */
async function tidy(
  reach: Reach,
  log: Connection | undefined,
  alive: (coordinator: string) => Promise<boolean>,
  left: ReadonlySet<string>,
  prefix: string,
): Promise<void> {
  const busy = new Set([...left].map((txid) => parseXid(`${txid}-0`)?.coordinator));
  const stale = Date.now() - ABORT_KEPT_MS;
  for (const conn of reach.conns.values()) {
    const done: string[] = [];
    for (const [txid, d] of await decisions(conn, prefix)) {
      const coordinator = parseXid(`${txid}-0`)?.coordinator ?? '';
      // An abort stays a while: it is what turns away a coordinator that is not really gone.
      if (d.decision === 'abort' && Date.parse(d.decidedAt) > stale) continue;
      if (!left.has(txid) && !(await alive(coordinator))) done.push(txid);
    }
    await forgetDecisions(conn, done);
  }
  if (!log) return;
  const own = prefix.slice(XID_PREFIX.length);
  for (const coordinator of await coordinators(log))
    if (coordinator.startsWith(own) && !busy.has(coordinator) && !(await alive(coordinator)))
      await forgetCoordinator(log, coordinator);
}

/** Recovery, when a coordinator registered in the log's database is no longer alive (asked when a deployment opens). */
export async function recoverAbandoned(host: RecoveryHost): Promise<RecoveryResult | undefined> {
  if (!host.aliases.includes(host.logAlias)) return undefined;
  const log = await host.connectionIfAny(host.logAlias);
  if (!log) return undefined;
  const own = host.prefix.slice(XID_PREFIX.length);
  for (const coordinator of await coordinators(log))
    if (
      coordinator.startsWith(own) &&
      coordinator !== host.ownCoordinator &&
      !(await log.lockHeld(coordinatorLock(coordinator)))
    )
      return recoverAtomic(host);
  return undefined;
}

/** The recovery host of a deployment whose coordinator is `own.ownCoordinator`. */
export function recoveryHostOf(
  db: {
    readonly aliases: readonly string[];
    databaseExists(alias: string): Promise<boolean>;
    connection(alias: string): Promise<Connection>;
  },
  own: Pick<RecoveryHost, 'logAlias' | 'ownCoordinator' | 'prefix'>,
): RecoveryHost {
  return {
    aliases: db.aliases,
    ...own,
    connectionIfAny: async (a) => ((await db.databaseExists(a)) ? db.connection(a) : undefined),
  };
}

const TRIES = 5;
/** How long recovery keeps the aborts it stored. */
const ABORT_KEPT_MS = 24 * 3600_000;

/**
 * Phase two, tried again a little: the session of a process just killed may still be finishing
 * the same branch on the server (PostgreSQL says it is busy until then).
 */
async function persist(end: () => Promise<boolean>): Promise<boolean> {
  for (let tries = 1; ; tries++) {
    try {
      return await end();
    } catch (err) {
      if (tries === TRIES) throw err;
      await new Promise((r) => setTimeout(r, 200 * tries));
    }
  }
}
