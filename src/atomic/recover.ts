import type { Connection } from '../db/dialect.js';
import { errorMessage } from '../errors.js';
import { scrub } from '../secrets.js';
import {
  type Branch,
  coordinatorLock,
  coordinators,
  decisions,
  forgetCoordinator,
  forgetDecisions,
  parseXid,
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
}

/**
 * Ends every transaction across databases a crash left in doubt: each branch prepared by a
 * coordinator that is no longer alive is committed when its decision is in a log (`default`'s,
 * or that of the database without two-phase commit that took part), else rolled back. Then the
 * decisions and coordinators with nothing left go from the log.
 */
export async function recoverAtomic(host: RecoveryHost): Promise<RecoveryResult> {
  const unreachable: { alias: string; message: string }[] = [];
  const conns = new Map<string, Connection>();
  for (const alias of host.aliases) {
    try {
      const conn = await host.connectionIfAny(alias);
      if (conn) conns.set(alias, conn);
    } catch (err) {
      unreachable.push({ alias, message: scrub(errorMessage(err).split('\n')[0] ?? '') });
    }
  }
  const log = conns.get(host.logAlias);
  const alive = async (coordinator: string) =>
    coordinator === host.ownCoordinator || ((await log?.lockHeld(coordinatorLock(coordinator))) ?? false);
  const decided = new Map<string, { where: Connection; branches: Branch[] }>();
  // The log in `default`, and that of any database that took part without two-phase commit.
  for (const [alias, conn] of conns) {
    try {
      for (const [txid, branches] of await decisions(conn)) decided.set(txid, { where: conn, branches });
    } catch (err) {
      unreachable.push({ alias, message: scrub(errorMessage(err).split('\n')[0] ?? '') });
    }
  }
  // A log not read may hold a decision: without every log, a branch is committed, never rolled back.
  const logsRead = unreachable.length === 0;
  const branches: RecoveredBranch[] = [];
  const seen = new Set<string>();
  const liveCoordinators = new Set<string>();
  for (const [alias, conn] of conns) {
    if (!conn.twoPhase) continue;
    let xids: string[];
    try {
      xids = await conn.twoPhase.prepared(XID_PREFIX);
    } catch (err) {
      unreachable.push({ alias, message: scrub(errorMessage(err).split('\n')[0] ?? '') });
      continue;
    }
    for (const xid of xids) {
      const named = parseXid(xid);
      // A MySQL/MariaDB server lists its prepared branches to every database on it.
      if (!named || seen.has(xid)) continue;
      seen.add(xid);
      if (await alive(named.coordinator)) {
        liveCoordinators.add(named.coordinator);
        branches.push({ alias, xid, action: 'in progress' });
        continue;
      }
      const commit = decided.has(named.txid);
      if (!commit && !logsRead) {
        branches.push({ alias, xid, action: 'in doubt' });
        continue;
      }
      const tp = conn.twoPhase;
      try {
        const ended = await persist(() => (commit ? tp.commitPrepared(xid) : tp.rollbackPrepared(xid)));
        if (ended) branches.push({ alias, xid, action: commit ? 'committed' : 'rolled back' });
      } catch (err) {
        unreachable.push({ alias, message: `${xid}: ${scrub(errorMessage(err).split('\n')[0] ?? '')}` });
      }
    }
  }
  await tidy({ log, decided, alive, unreachable: new Set(unreachable.map((u) => u.alias)) });
  return { branches, unreachable };
}

/** Decisions of dead coordinators whose databases all answered are done; so are such coordinators. */
async function tidy(state: {
  log: Connection | undefined;
  decided: Map<string, { where: Connection; branches: Branch[] }>;
  alive: (coordinator: string) => Promise<boolean>;
  unreachable: Set<string>;
}): Promise<void> {
  const pending = new Set<string>();
  for (const [txid, { where, branches }] of state.decided) {
    const coordinator = parseXid(`${txid}-0`)?.coordinator ?? '';
    if (await state.alive(coordinator)) continue;
    if (branches.some((b) => state.unreachable.has(b.alias))) {
      pending.add(coordinator);
      continue;
    }
    await forgetDecisions(where, [txid]);
  }
  if (!state.log || state.unreachable.size > 0) return;
  for (const coordinator of await coordinators(state.log))
    if (!pending.has(coordinator) && !(await state.alive(coordinator)))
      await forgetCoordinator(state.log, coordinator);
}

/** Recovery, when a coordinator registered in the log's database is no longer alive (asked when a deployment opens). */
export async function recoverAbandoned(host: RecoveryHost): Promise<RecoveryResult | undefined> {
  if (!host.aliases.includes(host.logAlias)) return undefined;
  const log = await host.connectionIfAny(host.logAlias);
  if (!log) return undefined;
  for (const coordinator of await coordinators(log))
    if (coordinator !== host.ownCoordinator && !(await log.lockHeld(coordinatorLock(coordinator))))
      return recoverAtomic(host);
  return undefined;
}

/** The recovery host of a deployment whose coordinator is `ownCoordinator`. */
export function recoveryHostOf(
  db: {
    readonly aliases: readonly string[];
    databaseExists(alias: string): Promise<boolean>;
    connection(alias: string): Promise<Connection>;
  },
  logAlias: string,
  ownCoordinator: string,
): RecoveryHost {
  return {
    aliases: db.aliases,
    logAlias,
    connectionIfAny: async (a) => ((await db.databaseExists(a)) ? db.connection(a) : undefined),
    ownCoordinator,
  };
}

const TRIES = 5;

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
