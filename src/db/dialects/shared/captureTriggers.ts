import { createHash } from 'node:crypto';
import type { TableDef } from '../../../schema/tableDef.js';

const CHANGES = 'distdb_reshard_changes';

/**
 * `prefix` and the table's name, within every backend's 63 characters for a name: a long table
 * name is cut and ends with a digest of the whole, so two tables never share a trigger.
 */
export function captureName(prefix: string, table: string): string {
  if (prefix.length + table.length <= 63) return `${prefix}${table}`;
  const digest = createHash('sha256').update(table).digest('hex').slice(0, 8);
  return `${prefix}${table.slice(0, 63 - prefix.length - 9)}_${digest}`;
}

/**
 * One AFTER trigger per event (insert, update, delete) adding the row's id to the change queue,
 * made only where missing: `body` wraps the trigger's statement as the backend takes it.
 */
export function perEventTriggers(
  table: TableDef,
  quoteId: (name: string) => string,
  body: (statement: string) => string,
): { install: string[]; remove: string[] } {
  const t = quoteId(table.name);
  const model = `'${table.name.replaceAll("'", "''")}'`;
  const key = quoteId(table.primaryKey);
  const events = [
    ['i', 'INSERT', 'NEW'],
    ['u', 'UPDATE', 'NEW'],
    ['d', 'DELETE', 'OLD'],
  ] as const;
  const name = (e: string) => quoteId(captureName(`distdb_capture_${e}_`, table.name));
  return {
    install: events.map(
      ([e, event, row]) =>
        `CREATE TRIGGER IF NOT EXISTS ${name(e)} AFTER ${event} ON ${t} FOR EACH ROW ${body(`INSERT INTO ${CHANGES} (model, row_id) VALUES (${model}, ${row}.${key})`)}`,
    ),
    remove: events.map(([e]) => `DROP TRIGGER IF EXISTS ${name(e)}`),
  };
}
