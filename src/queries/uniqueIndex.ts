import { createHash } from 'node:crypto';
import type { Row } from '../db/dialect.js';
import { describe } from '../models/checkValue.js';
import type { Issue } from '../models/failureCodes.js';
import { type AnyModel, type FieldDef, uniqueFields } from '../models/model.js';
import type { Shards } from '../routing/router.js';
import { SHARD_KEYS_TABLE as KEYS } from '../schema/distdbTables.js';
import { chunk } from '../util/chunk.js';
import { build, type IndexAccess, run } from './context.js';

/** A claim whose record has not landed in this long is taken to be left by a writer that stopped. */
export const CLAIM_LEASE_MS = 30_000;
/** How long a writer waits before it looks again at a claim another writer is still landing. */
const RECHECK_MS = 25;
/** Digests per statement. */
const KEYS_PER_QUERY = 1_000;
/** Claims per insert: a batch of this size goes in as one plain INSERT when none is taken. */
const CLAIMS_PER_INSERT = 10_000;

/**
 * The fields a sharded model's index keeps: none when its shards keep every unique value
 * themselves (the only unique field is the shard key, compared exactly). Otherwise all of them,
 * the key too: a record refused for its key (a repeated id) must not win its other values, as in
 * one database, where it holds none; so every unique value is decided in one place, in order.
 */
export function globalFields(model: AnyModel, shards: Pick<Shards, 'key'>): FieldDef[] {
  const unique = uniqueFields(model);
  return unique.some((f) => f.name !== shards.key || f.caseInsensitive) ? unique : [];
}

/** The digest naming one value of one field: equal values (folded when case-insensitive) share it. */
export function claimOf(model: AnyModel, field: FieldDef, value: unknown): string {
  const text = field.caseInsensitive ? String(value).toLowerCase() : String(value);
  return createHash('sha256').update(`${model.label}\0${field.name}\0${text}`).digest('hex');
}

/** A record asking for its unique values: its shard and primary key, its validated row. */
export interface Candidate {
  readonly position: number;
  readonly shard: string;
  readonly owner: number;
  readonly row: Row;
}

interface Held {
  readonly claim: string;
  readonly shard: string;
  readonly owner: number;
  readonly claimedAt: number;
}

type Claims = { claim: string; field: FieldDef }[];

/** The claims of a record's unique values (none for absent ones). */
function claimsOf(ix: IndexAccess, c: { row: Row }): Claims {
  return ix.fields.flatMap((field) => {
    const value = c.row[field.name];
    return value === undefined || value === null ? [] : [{ claim: claimOf(ix.model, field, value), field }];
  });
}

/**
 * `claimsOf`, computed once per candidate for one claimAll: a candidate is asked about them in
 * every round. A plain map, dropped with the call (a weak map's entries cost the collector more).
 */
function memoClaims(ix: IndexAccess): (c: Candidate) => Claims {
  const known = new Map<Candidate, Claims>();
  return (c) => {
    let claims = known.get(c);
    if (!claims) {
      claims = claimsOf(ix, c);
      known.set(c, claims);
    }
    return claims;
  };
}

async function heldClaims(ix: IndexAccess, claims: readonly string[]): Promise<Map<string, Held>> {
  const held = new Map<string, Held>();
  for (const part of chunk([...claims], KEYS_PER_QUERY)) {
    const q = await build(ix.access, (k) =>
      k.selectFrom(KEYS.name).select(['claim', 'shard', 'owner', 'claimed_at']).where('claim', 'in', part),
    );
    for (const r of (await run(ix.access, q)).rows) {
      const claim = String(r.claim);
      held.set(claim, {
        claim,
        shard: String(r.shard),
        owner: Number(r.owner),
        claimedAt: Number(r.claimed_at),
      });
    }
  }
  return held;
}

/** Which shard holds each of `values` of `field`, by the index (values nobody holds are left out). */
export async function locate(
  ix: IndexAccess,
  field: FieldDef,
  values: readonly unknown[],
): Promise<Map<string, unknown[]>> {
  const byClaim = new Map(values.map((v) => [claimOf(ix.model, field, v), v]));
  const groups = new Map<string, unknown[]>();
  for (const h of (await heldClaims(ix, [...byClaim.keys()])).values()) {
    const group = groups.get(h.shard) ?? [];
    group.push(byClaim.get(h.claim));
    groups.set(h.shard, group);
  }
  return groups;
}

/** Releases every claim of the records `owners` of `shard` (after they were deleted or refused). */
export async function release(ix: IndexAccess, shard: string, owners: readonly number[]): Promise<void> {
  for (const part of chunk([...owners], KEYS_PER_QUERY)) {
    const q = await build(ix.access, (k) =>
      k
        .deleteFrom(KEYS.name)
        .where('model', '=', ix.model.label)
        .where('shard', '=', shard)
        .where('owner', 'in', part),
    );
    await run(ix.access, q);
  }
}

/** Whether the record a claim names is in its shard and holds the value. */
async function standing(ix: IndexAccess, clashes: { held: Held; field: FieldDef }[]): Promise<Set<string>> {
  const alive = new Set<string>();
  const byShard = new Map<string, number[]>();
  for (const { held } of clashes) {
    const owners = byShard.get(held.shard);
    if (owners) owners.push(held.owner);
    else byShard.set(held.shard, [held.owner]);
  }
  const rows = new Map<string, Map<number, Row>>();
  for (const [shard, owners] of byShard) rows.set(shard, await ix.rows(shard, [...new Set(owners)]));
  for (const { held, field } of clashes) {
    const row = rows.get(held.shard)?.get(held.owner);
    if (row && claimOf(ix.model, field, row[field.name]) === held.claim) alive.add(held.claim);
  }
  return alive;
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

function duplicate(field: FieldDef, value: unknown): Issue {
  return {
    code: field.duplicateCode ?? 'invalid_record',
    field: field.name,
    message: `${field.name} ${describe(value)} already exists`,
  };
}

/**
 * Claims the unique values of each candidate, the first in input order winning a value: a
 * value another record holds (in any shard) refuses the candidate with the field's duplicate
 * code; a claim whose record never landed is taken over once older than CLAIM_LEASE_MS, and a
 * younger one (a writer landing it now) is waited for. Returns the refusals by position.
 */
export async function claimAll(
  ix: IndexAccess,
  candidates: readonly Candidate[],
): Promise<{ refused: Map<number, Issue>; won: Map<string, number> }> {
  const refused = new Map<number, Issue>();
  const won = new Map<string, Candidate>();
  const claims = memoClaims(ix);
  let pending = [...candidates];
  while (pending.length > 0) {
    const round = await claimRound(ix, claims, pending, won, refused);
    if (round.length === pending.length) await new Promise((r) => setTimeout(r, RECHECK_MS));
    pending = round;
  }
  return { refused, won: new Map([...won].map(([claim, c]) => [claim, c.position])) };
}

/**
 * The unique values of records that do not land which another record holds, as one database
 * reports them: held by a record there before, or won by one earlier in input order.
 */
export async function takenValues(
  ix: IndexAccess,
  records: readonly { position: number; row: Row }[],
  won: ReadonlyMap<string, number>,
): Promise<Map<number, Issue[]>> {
  const asked = records.flatMap((r) => claimsOf(ix, r).map((x) => ({ ...x, r })));
  const held = await heldClaims(
    ix,
    asked.filter((a) => !won.has(a.claim)).map((a) => a.claim),
  );
  const clashes = asked.flatMap((a) => {
    const h = held.get(a.claim);
    return h ? [{ held: h, field: a.field }] : [];
  });
  const alive = await standing(ix, clashes);
  const out = new Map<number, Issue[]>();
  for (const { claim, field, r } of asked) {
    const winner = won.get(claim);
    if (!(winner === undefined ? alive.has(claim) : winner < r.position)) continue;
    out.set(r.position, [...(out.get(r.position) ?? []), duplicate(field, r.row[field.name])]);
  }
  return out;
}

/** One round: returns the candidates to try again (a value still being landed elsewhere, or one an earlier candidate of this round asked for). */
async function claimRound(
  ix: IndexAccess,
  claimsOf: (c: Candidate) => Claims,
  pending: readonly Candidate[],
  won: Map<string, Candidate>,
  refused: Map<number, Issue>,
): Promise<Candidate[]> {
  const { trying, later } = firstAskers(claimsOf, pending, won, refused);
  const now = Date.now();
  const { taken, held } = await insertClaims(ix, claimsOf, trying, now);
  const clashes = trying.flatMap((c) =>
    claimsOf(c).flatMap(({ claim, field }) => {
      const h = held.get(claim);
      return taken.has(claim) && h && !(h.shard === c.shard && h.owner === c.owner)
        ? [{ held: h, field, c }]
        : [];
    }),
  );
  const alive = await standing(ix, clashes);
  const lost = new Set<Candidate>();
  // A value whose claim was given back between the insert and the look: asked for again.
  const waiting = new Set(
    trying.filter((c) => claimsOf(c).some((x) => taken.has(x.claim) && !held.has(x.claim))),
  );
  for (const { held: h, field, c } of clashes) {
    if (lost.has(c)) continue;
    if (alive.has(h.claim)) {
      refused.set(c.position, duplicate(field, c.row[field.name]));
      lost.add(c);
    } else if (now - h.claimedAt <= CLAIM_LEASE_MS || !(await takeOver(ix, h, c, now))) waiting.add(c);
  }
  const again: Candidate[] = [...later];
  for (const c of trying) {
    if (lost.has(c)) await releaseOwn(ix, c);
    else if (waiting.has(c)) again.push(c);
    else for (const x of claimsOf(c)) won.set(x.claim, c);
  }
  return again.sort((a, b) => a.position - b.position);
}

/**
 * The candidates that ask this round: the first for each value; one whose value an earlier
 * candidate of the call won is refused, one that shares a value with an asker waits its turn.
 */
function firstAskers(
  claimsOf: (c: Candidate) => Claims,
  pending: readonly Candidate[],
  won: ReadonlyMap<string, Candidate>,
  refused: Map<number, Issue>,
): { trying: Candidate[]; later: Candidate[] } {
  const asked = new Set<string>();
  const trying: Candidate[] = [];
  const later: Candidate[] = [];
  for (const c of pending) {
    const claims = claimsOf(c);
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

/** Inserts the askers' claims in order; the values already claimed, and who holds them. */
async function insertClaims(
  ix: IndexAccess,
  claimsOf: (c: Candidate) => Claims,
  trying: readonly Candidate[],
  now: number,
): Promise<{ taken: Set<string>; held: Map<string, Held> }> {
  const rows = trying.flatMap((c) =>
    claimsOf(c).map((x) => ({
      claim: x.claim,
      model: ix.model.label,
      shard: c.shard,
      owner: c.owner,
      claimed_at: now,
    })),
  );
  // Askers of one round share no value, so the parts may go in at once, each as one statement.
  const parts = chunk(rows, CLAIMS_PER_INSERT);
  const writes = (await Promise.all(parts.map((part) => ix.access.conn.insertBatch(KEYS, part)))).flat();
  const taken = new Set(rows.filter((_, i) => !writes[i]?.ok).map((r) => r.claim));
  return { taken, held: await heldClaims(ix, [...taken]) };
}

/** A candidate refused, or not written, gives back the values it claimed (and no other record's). */
export async function releaseOwn(ix: IndexAccess, c: Candidate): Promise<void> {
  const claims = claimsOf(ix, c).map((x) => x.claim);
  if (claims.length === 0) return;
  const q = await build(ix.access, (k) =>
    k
      .deleteFrom(KEYS.name)
      .where('claim', 'in', claims)
      .where('shard', '=', c.shard)
      .where('owner', '=', c.owner),
  );
  await run(ix.access, q);
}
