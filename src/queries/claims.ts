import type { Issue } from '../models/failureCodes.js';
import { SHARD_KEYS_TABLE as KEYS } from '../schema/distdbTables.js';
import { chunk } from '../util/chunk.js';
import { build, type IndexAccess, run } from './context.js';
import {
  type Candidate,
  type Claims,
  claimsOf,
  duplicate,
  type Held,
  heldClaims,
  releaseOwn,
  standing,
} from './uniqueIndex.js';

/** A claim whose record has not landed in this long is taken to be left by a writer that stopped. */
export const CLAIM_LEASE_MS = 30_000;
/** How long a writer waits before it looks again at a claim another writer is still landing. */
const RECHECK_MS = 25;
/** Claims per insert: a batch of this size goes in as one plain INSERT when none is taken. */
const CLAIMS_PER_INSERT = 10_000;

/** What one claimAll keeps per candidate: its claims (computed once), and those it holds. */
interface Book {
  claimsOf(c: Candidate): Claims;
  /** The claims `c` holds by this call: inserted, taken over, or left by an earlier attempt of it. */
  mine(c: Candidate): Set<string>;
}

function book(ix: IndexAccess): Book {
  const claims = new Map<Candidate, Claims>();
  const held = new Map<Candidate, Set<string>>();
  return {
    claimsOf: (c) => {
      let known = claims.get(c);
      if (!known) {
        known = claimsOf(ix, c);
        claims.set(c, known);
      }
      return known;
    },
    mine: (c) => {
      let set = held.get(c);
      if (!set) {
        set = new Set();
        held.set(c, set);
      }
      return set;
    },
  };
}

/**
 * Claims the unique values of each candidate, the first in input order winning a value: a
 * value a landed record holds (in any shard, this one's own earlier copy too) refuses the
 * candidate with the field's duplicate code; a claim whose record never landed is taken over
 * once older than CLAIM_LEASE_MS (at once when it names this very record: an earlier attempt at
 * it), and a younger one (a writer landing it now) is waited for. Returns the refusals by
 * position, the winner of each value, and the claims each candidate holds (`held`), which are
 * the ones to give back if it is not written.
 */
export async function claimAll(
  ix: IndexAccess,
  candidates: readonly Candidate[],
): Promise<{ refused: Map<number, Issue>; won: Map<string, number>; held: Map<number, string[]> }> {
  const refused = new Map<number, Issue>();
  const won = new Map<string, Candidate>();
  const b = book(ix);
  let pending = [...candidates];
  while (pending.length > 0) {
    const round = await claimRound(ix, b, pending, won, refused);
    if (round.length === pending.length) await new Promise((r) => setTimeout(r, RECHECK_MS));
    pending = round;
  }
  const held = new Map(candidates.map((c) => [c.position, [...b.mine(c)]]));
  return { refused, won: new Map([...won].map(([claim, c]) => [claim, c.position])), held };
}

/** One round: returns the candidates to try again (a value still being landed elsewhere, or one an earlier candidate of this round asked for). */
async function claimRound(
  ix: IndexAccess,
  b: Book,
  pending: readonly Candidate[],
  won: Map<string, Candidate>,
  refused: Map<number, Issue>,
): Promise<Candidate[]> {
  const { trying, later } = firstAskers(b, pending, won, refused);
  const now = Date.now();
  const { taken, held } = await insertClaims(ix, b, trying, now);
  const clashes = trying.flatMap((c) =>
    b.claimsOf(c).flatMap(({ claim, field }) => {
      const h = held.get(claim);
      return taken.has(claim) && h ? [{ held: h, field, c }] : [];
    }),
  );
  const alive = await standing(ix, clashes);
  const lost = new Set<Candidate>();
  // A value whose claim was given back between the insert and the look: asked for again.
  const waiting = new Set(
    trying.filter((c) => b.claimsOf(c).some((x) => taken.has(x.claim) && !held.has(x.claim))),
  );
  for (const { held: h, field, c } of clashes) {
    if (lost.has(c)) continue;
    if (alive.has(h.claim)) {
      refused.set(c.position, duplicate(field, c.row[field.name]));
      lost.add(c);
    } else if (h.shard === c.shard && h.owner === c.owner) b.mine(c).add(h.claim);
    else if (now - h.claimedAt > CLAIM_LEASE_MS && (await takeOver(ix, h, c, now))) b.mine(c).add(h.claim);
    else waiting.add(c);
  }
  const again: Candidate[] = [...later];
  for (const c of trying) {
    if (lost.has(c)) await releaseOwn(ix, c, [...b.mine(c)]);
    else if (waiting.has(c)) again.push(c);
    else for (const x of b.claimsOf(c)) won.set(x.claim, c);
  }
  return again.sort((x, y) => x.position - y.position);
}

/**
 * The candidates that ask this round: the first for each value; one whose value an earlier
 * candidate of the call won is refused, one that shares a value with an asker waits its turn.
 */
function firstAskers(
  b: Book,
  pending: readonly Candidate[],
  won: ReadonlyMap<string, Candidate>,
  refused: Map<number, Issue>,
): { trying: Candidate[]; later: Candidate[] } {
  const asked = new Set<string>();
  const trying: Candidate[] = [];
  const later: Candidate[] = [];
  for (const c of pending) {
    const claims = b.claimsOf(c);
    const winner = claims.find((x) => won.has(x.claim));
    if (winner) refused.set(c.position, duplicate(winner.field, c.row[winner.field.name]));
    else if (claims.some((x) => asked.has(x.claim))) later.push(c);
    else {
      for (const x of claims) asked.add(x.claim);
      trying.push(c);
    }
  }
  return { trying, later };
}

/** Inserts the askers' claims; those that went in are theirs. The values already claimed, and who holds them. */
async function insertClaims(
  ix: IndexAccess,
  b: Book,
  trying: readonly Candidate[],
  now: number,
): Promise<{ taken: Set<string>; held: Map<string, Held> }> {
  const asks = trying.flatMap((c) => b.claimsOf(c).map((x) => ({ c, claim: x.claim })));
  const rows = asks.map(({ c, claim }) => ({
    claim,
    model: ix.model.label,
    shard: c.shard,
    owner: c.owner,
    claimed_at: now,
  }));
  // Askers of one round share no value, so the parts may go in at once, each as one statement.
  const parts = chunk(rows, CLAIMS_PER_INSERT);
  const writes = (await Promise.all(parts.map((part) => ix.access.conn.insertBatch(KEYS, part)))).flat();
  const taken = new Set<string>();
  asks.forEach(({ c, claim }, i) => {
    if (writes[i]?.ok) b.mine(c).add(claim);
    else taken.add(claim);
  });
  return { taken, held: await heldClaims(ix, [...taken]) };
}

/** Takes over a claim left behind, unless another writer changed it first. */
async function takeOver(ix: IndexAccess, held: Held, c: Candidate, now: number): Promise<boolean> {
  const q = await build(ix.access, (k) =>
    k
      .updateTable(KEYS.name)
      .set({ shard: c.shard, owner: c.owner, claimed_at: now })
      .where('claim', '=', held.claim)
      .where('shard', '=', held.shard)
      .where('owner', '=', held.owner)
      .where('claimed_at', '=', held.claimedAt),
  );
  return (await run(ix.access, q)).changes === 1;
}
