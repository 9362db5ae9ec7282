import type { TableDef } from '../../../schema/tableDef.js';
import { captureName } from '../shared/captureTriggers.js';
import { quoteId } from './ident.js';

const CHANGES = 'distdb_reshard_changes';

/** A row trigger calling one function per table; both made with OR REPLACE, so rerunnable. */
export function captureSql(table: TableDef): { install: string[]; remove: string[] } {
  const fn = quoteId(captureName('distdb_capture_', table.name));
  const t = quoteId(table.name);
  const model = `'${table.name.replaceAll("'", "''")}'`;
  const key = quoteId(table.primaryKey);
  const insert = (row: string) => `INSERT INTO ${CHANGES} (model, row_id) VALUES (${model}, ${row}.${key});`;
  return {
    install: [
      `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $distdb$ BEGIN IF TG_OP = 'DELETE' THEN ${insert('OLD')} ELSE ${insert('NEW')} END IF; RETURN NULL; END $distdb$`,
      `CREATE OR REPLACE TRIGGER distdb_capture AFTER INSERT OR UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
    ],
    remove: [`DROP TRIGGER IF EXISTS distdb_capture ON ${t}`, `DROP FUNCTION IF EXISTS ${fn}()`],
  };
}
