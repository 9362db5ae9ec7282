import type { TableDef } from '../../../schema/tableDef.js';
import { perEventTriggers } from '../shared/captureTriggers.js';
import { quoteId } from './ident.js';

/** SQLite's trigger bodies are BEGIN … END blocks. */
export function captureSql(table: TableDef): { install: string[]; remove: string[] } {
  return perEventTriggers(table, quoteId, (statement) => `BEGIN ${statement}; END`);
}
