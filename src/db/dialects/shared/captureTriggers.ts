import type { TableDef } from '../../../schema/tableDef.js';

const CHANGES = 'distdb_reshard_changes';

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
  const name = (e: string) => quoteId(`distdb_capture_${e}_${table.name}`);
  return {
    install: events.map(
      ([e, event, row]) =>
        `CREATE TRIGGER IF NOT EXISTS ${name(e)} AFTER ${event} ON ${t} FOR EACH ROW ${body(`INSERT INTO ${CHANGES} (model, row_id) VALUES (${model}, ${row}.${key})`)}`,
    ),
    remove: events.map(([e]) => `DROP TRIGGER IF EXISTS ${name(e)}`),
  };
}
