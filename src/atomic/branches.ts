import type { Connection, OpenTransaction, TwoPhase } from '../db/dialect.js';
import type { Branch } from './log.js';

/** One database taking part: its transaction, its branch id where it can be prepared, whether it was written. */
export interface Part {
  readonly alias: string;
  readonly pool: Connection;
  readonly open: OpenTransaction;
  readonly twoPhase: TwoPhase | undefined;
  readonly xid: string;
  wrote: boolean;
}

const PHASE_TWO_TRIES = 3;

/** Commits each prepared branch, trying again a little; those that stay out are left to recovery. */
export async function phaseTwo(prepared: readonly Part[]): Promise<Branch[]> {
  const left: Branch[] = [];
  await Promise.all(
    prepared.map(async (p) => {
      // On its own session first: MariaDB keeps a prepared branch bound to it.
      if (
        await p.open.commit().then(
          () => true,
          () => false,
        )
      )
        return;
      for (let tries = 1; ; tries++) {
        try {
          await p.twoPhase?.commitPrepared(p.xid);
          return;
        } catch {
          if (tries === PHASE_TWO_TRIES) break;
          await new Promise((r) => setTimeout(r, 100 * 3 ** tries));
        }
      }
      left.push({ alias: p.alias, xid: p.xid });
    }),
  );
  return left;
}

/** Rolls a prepared branch back on its own session, else by its id from another. */
export async function undoPrepared(p: Part): Promise<void> {
  await p.open.rollback().catch(() => p.twoPhase?.rollbackPrepared(p.xid));
}
