import type { Connection } from '../db/dialect.js';
import { dialectFor } from '../db/registry.js';
import type { DatabaseUrl } from '../db/url.js';
import { type AnyModel, referenceFields } from '../models/model.js';

/** What deciding where a delete reaches needs of a deployment. */
export interface DeleteReach {
  readonly models: readonly AnyModel[];
  readonly config: { readonly databases: Readonly<Record<string, DatabaseUrl>> };
  aliasesOf(model: AnyModel): string[];
  connection(alias: string): Promise<Connection>;
}

/**
 * Whether a delete of `model` may write in several databases (its cascades, and the references
 * it clears, reach models written elsewhere) that can all take part in one `atomic`: each has
 * two-phase commit (and its server allows it), but for one at most. Such a delete runs in
 * `atomic`: all of it or nothing.
 */
export async function deleteSpansAtomically(db: DeleteReach, model: AnyModel): Promise<boolean> {
  const touched = new Set<string>();
  // Databases only read (restricting references) take part too: they count against the one without two-phase commit.
  const read = new Set<string>();
  const seen = new Set<string>();
  const queue = [model];
  for (let m = queue.shift(); m; m = queue.shift()) {
    if (seen.has(m.label)) continue;
    seen.add(m.label);
    for (const alias of db.aliasesOf(m)) touched.add(alias);
    for (const dep of db.models)
      for (const field of referenceFields(dep)) {
        if (field.type.model !== m.label) continue;
        const onDelete = field.relation?.onDelete ?? 'restrict';
        if (onDelete === 'cascade') queue.push(dep);
        else for (const alias of db.aliasesOf(dep)) (onDelete === 'setNull' ? touched : read).add(alias);
      }
  }
  if (touched.size < 2) return false;
  let without = 0;
  for (const alias of new Set([...touched, ...read])) {
    const url = db.config.databases[alias];
    if (!url || !(await dialectFor(url)).capabilities.twoPhase) without++;
    else if (await (await db.connection(alias)).twoPhase?.unavailable()) without++;
  }
  return without <= 1;
}
