import type { TableDef } from '../../../schema/tableDef.js';
import { perEventTriggers } from '../shared/captureTriggers.js';
import { quoteId } from './ident.js';

/** MySQL's triggers each have one event; a trigger's body is one statement. */
export function captureSql(table: TableDef): { install: string[]; remove: string[] } {
  return perEventTriggers(table, quoteId, (statement) => statement);
}
