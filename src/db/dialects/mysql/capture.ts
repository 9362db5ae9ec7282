import type { TableDef } from '../../../schema/tableDef.js';
import { quoteId } from './ident.js';

const CHANGES = 'distdb_reshard_changes';

/** One trigger per event (MySQL's triggers each have one), made only where missing. */
export function captureSql(table: TableDef): { install: string[]; remove: string[] } {
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
        `CREATE TRIGGER IF NOT EXISTS ${name(e)} AFTER ${event} ON ${t} FOR EACH ROW INSERT INTO ${CHANGES} (model, row_id) VALUES (${model}, ${row}.${key})`,
    ),
    remove: events.map(([e]) => `DROP TRIGGER IF EXISTS ${name(e)}`),
  };
}
