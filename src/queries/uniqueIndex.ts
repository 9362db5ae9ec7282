import { createHash } from 'node:crypto';
import type { Row } from '../db/dialect.js';
import { describe } from '../models/checkValue.js';
import type { Issue } from '../models/failureCodes.js';
import { type AnyModel, type FieldDef, uniqueFields } from '../models/model.js';
import type { Shards } from '../routing/router.js';
import { SHARD_KEYS_TABLE as KEYS } from '../schema/distdbTables.js';
import { chunk } from '../util/chunk.js';
import { build, type IndexAccess, run } from './context.js';

/** Digests per statement. */
const KEYS_PER_QUERY = 1_000;

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

export interface Held {
  readonly claim: string;
  readonly shard: string;
  readonly owner: number;
  readonly claimedAt: number;
}

export type Claims = { claim: string; field: FieldDef }[];

/** The claims of a record's unique values (none for absent ones). */
export function claimsOf(ix: IndexAccess, c: { row: Row }): Claims {
  return ix.fields.flatMap((field) => {
    const value = c.row[field.name];
    return value === undefined || value === null ? [] : [{ claim: claimOf(ix.model, field, value), field }];
  });
}

export async function heldClaims(ix: IndexAccess, claims: readonly string[]): Promise<Map<string, Held>> {
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
export async function standing(
  ix: IndexAccess,
  clashes: { held: Held; field: FieldDef }[],
): Promise<Set<string>> {
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

export function duplicate(field: FieldDef, value: unknown): Issue {
  return {
    code: field.duplicateCode ?? 'invalid_record',
    field: field.name,
    message: `${field.name} ${describe(value)} already exists`,
  };
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

/**
 * A candidate refused, or not written, gives back the values it claimed (`claims`: those its
 * claiming took, by default all of its values), and no other record's.
 */
export async function releaseOwn(
  ix: IndexAccess,
  c: Candidate,
  claims: readonly string[] = claimsOf(ix, c).map((x) => x.claim),
): Promise<void> {
  if (claims.length === 0) return;
  const q = await build(ix.access, (k) =>
    k
      .deleteFrom(KEYS.name)
      .where('claim', 'in', [...claims])
      .where('shard', '=', c.shard)
      .where('owner', '=', c.owner),
  );
  await run(ix.access, q);
}
