import type { CheckDef, ColumnDef, TableDef, UniqueDef } from '../schema/tableDef.js';
import type { FieldDef, Model } from './model.js';

/** Derives the table (columns, checks, unique indexes) from the field declarations. */
export function defineModel<TRecord>(spec: {
  name: string;
  label: string;
  table: string;
  datasetKey: string;
  fields: readonly FieldDef[];
}): Model<TRecord> {
  const columns: ColumnDef[] = [];
  const checks: CheckDef[] = [];
  const uniques: UniqueDef[] = [];
  const indexes: { name: string; columns: string[] }[] = [];
  let primaryKey = '';
  for (const f of spec.fields) {
    const t = f.type;
    switch (t.kind) {
      case 'id':
        primaryKey = f.name;
        columns.push({ name: f.name, type: { kind: 'bigint' } });
        checks.push({ kind: 'range', column: f.name, min: 1 });
        break;
      case 'name':
        // Stored as given (byte-identical); the database re-checks the trimmed length.
        columns.push({ name: f.name, type: { kind: 'varchar', length: MAX_RAW_NAME } });
        checks.push({ kind: 'trimmedLength', column: f.name, min: t.minTrimmed, max: MAX_RAW_NAME });
        break;
      case 'email':
        columns.push({ name: f.name, type: { kind: 'varchar', length: t.maxLength }, caseInsensitive: true });
        break;
      case 'decimal':
        columns.push({ name: f.name, type: { kind: 'decimal', precision: t.precision, scale: t.scale } });
        checks.push({ kind: 'range', column: f.name, min: t.min, max: t.max });
        break;
      case 'integer':
        columns.push({ name: f.name, type: { kind: 'integer' } });
        checks.push({ kind: 'range', column: f.name, min: t.min, max: t.max });
        break;
      case 'reference':
        // The referenced row lives in another database: checked by distdb, indexed here.
        columns.push({ name: f.name, type: { kind: 'bigint' } });
        checks.push({ kind: 'range', column: f.name, min: 1 });
        indexes.push({ name: `${spec.table}_${f.name}_idx`, columns: [f.name] });
        break;
    }
    if (f.duplicateCode && t.kind !== 'id') {
      const ci = columns.find((c) => c.name === f.name)?.caseInsensitive;
      uniques.push({ name: `${spec.table}_${f.name}_unique`, column: f.name, caseInsensitive: ci });
    }
  }
  const table: TableDef = { name: spec.table, columns, primaryKey, checks, uniques, indexes };
  return { name: spec.name, label: spec.label, datasetKey: spec.datasetKey, fields: spec.fields, table };
}

/** Longest name accepted at all (untrimmed), so padding cannot make an unbounded value. */
export const MAX_RAW_NAME = 1000;
