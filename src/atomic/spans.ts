import type { Connection } from '../db/dialect.js';
import { dialectFor } from '../db/registry.js';
import type { DatabaseUrl } from '../db/url.js';
import { type AnyModel, referenceFields } from '../models/model.js';
import { layoutChangeOf } from '../queries/fence.js';

/** What deciding where a write reaches needs of a deployment. */
export interface WriteReach {
  readonly models: readonly AnyModel[];
  readonly config: { readonly databases: Readonly<Record<string, DatabaseUrl>> };
  aliasesOf(model: AnyModel): string[];
  connection(alias: string): Promise<Connection>;
}

/**
 * Whether a write of `model` reaches several databases that can all take part in one `atomic`
 * (each has two-phase commit, its server allowing it, but for one at most, and every pool
 * holds 2 connections or more). Such a write runs in `atomic`: all of it or nothing, and what
 * it looked up elsewhere stays locked until it commits.
 * - `delete`: its cascades, the references it clears and those that restrict it. The record is
 *   locked before they are looked for, so no reference to it can appear meanwhile.
 * - `insert`: the databases of the records its references name, locked as they are checked.
 */
export async function spansAtomically(db: WriteReach, write: 'insert' | 'delete', model: AnyModel) {
  const reached = write === 'delete' ? deleteReach(db, model) : insertReach(db, model);
  if (reached.size < 2) return false;
  let without = 0;
  for (const url of Object.values(db.config.databases))
    if (((await dialectFor(url)).poolSize?.(url) ?? 2) < 2) return false;
  for (const alias of reached) {
    const url = db.config.databases[alias];
    if (!url || !(await dialectFor(url)).capabilities.twoPhase) without++;
    else if (await (await db.connection(alias)).twoPhase?.unavailable()) without++;
  }
  return without <= 1;
}

/** Without references an insert writes one database (a sharded model's record, one shard). */
function insertReach(db: WriteReach, model: AnyModel): Set<string> {
  const refs = referenceFields(model);
  if (refs.length === 0) return new Set();
  const reached = new Set(db.aliasesOf(model));
  for (const field of refs) {
    const target = db.models.find((m) => m.label === field.type.model);
    for (const alias of target ? db.aliasesOf(target) : []) reached.add(alias);
  }
  return reached;
}

function deleteReach(db: WriteReach, model: AnyModel): Set<string> {
  const reached = new Set<string>();
  const seen = new Set<string>();
  const queue = [model];
  for (let m = queue.shift(); m; m = queue.shift()) {
    if (seen.has(m.label)) continue;
    seen.add(m.label);
    for (const alias of db.aliasesOf(m)) reached.add(alias);
    for (const dep of db.models)
      for (const field of referenceFields(dep)) {
        if (field.type.model !== m.label) continue;
        if ((field.relation?.onDelete ?? 'restrict') === 'cascade') queue.push(dep);
        else for (const alias of db.aliasesOf(dep)) reached.add(alias);
      }
  }
  return reached;
}

/**
 * `write` (an `atomic` the library runs for a single write) again each time a reshard's switch
 * turns it away, once `moved` says the new layout is in force (false: it was held too long).
 */
export async function rerunOnRelayout<T>(
  write: () => Promise<T>,
  moved: (model: string, version: number, since: number) => Promise<boolean>,
): Promise<T> {
  for (const since = Date.now(); ; ) {
    try {
      return await write();
    } catch (err) {
      const changed = layoutChangeOf(err);
      if (!changed || !(await moved(changed.model, changed.version, since))) throw err;
    }
  }
}
