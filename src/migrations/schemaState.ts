import { DistdbError } from '../errors.js';
import type { TableDef } from '../schema/tableDef.js';
import { displayPath } from './migrationFiles.js';
import type { Migration, MigrationStep } from './migrations.js';
import { sameTable, withoutColumn } from './tableCompare.js';

/** A table as the migrations leave it, and the model it belongs to. */
export interface TableState {
  readonly model: string;
  readonly table: TableDef;
}

/** Table name → table, as the migration files build it up step by step. */
export type SchemaState = Map<string, TableState>;

function named<T extends { name: string }>(xs: readonly T[] | undefined, name: string): T | undefined {
  return (xs ?? []).find((x) => x.name === name);
}

function tableFor(state: SchemaState, step: Exclude<MigrationStep, { kind: 'createTable' }>): TableDef {
  const found = state.get(step.table);
  if (!found) throw new Error(`there is no table ${step.table} at this point`);
  if (found.model !== step.model)
    throw new Error(`table ${step.table} belongs to model ${found.model}, not ${step.model}`);
  return found.table;
}

function needColumn(table: TableDef, column: string): void {
  if (!table.columns.some((c) => c.name === column))
    throw new Error(`table ${table.name} has no column ${column}`);
}

/** The table after one step on it (a step that cannot apply to it is an error saying why). */
function alteredTable(state: SchemaState, step: Exclude<MigrationStep, { kind: 'createTable' }>): TableDef {
  const t = tableFor(state, step);
  switch (step.kind) {
    case 'dropTable':
      return t;
    case 'addColumn':
      if (t.columns.some((c) => c.name === step.column.name))
        throw new Error(`table ${t.name} already has a column ${step.column.name}`);
      return {
        ...t,
        columns: [...t.columns, step.column],
        checks: [...(t.checks ?? []), ...(step.checks ?? [])],
      };
    case 'dropColumn': {
      needColumn(t, step.column);
      if (t.primaryKey === step.column) throw new Error(`column ${step.column} is the primary key`);
      const after = withoutColumn(t, step.column);
      if (!sameTable(after, step.result))
        throw new Error(
          `its result is not table ${t.name} without column ${step.column} (was an earlier migration file edited?)`,
        );
      return after;
    }
    case 'addUnique':
      if (named(t.uniques, step.unique.name)) throw new Error(`unique ${step.unique.name} already exists`);
      needColumn(t, step.unique.column);
      return { ...t, uniques: [...(t.uniques ?? []), step.unique] };
    case 'dropUnique':
    case 'recreateUnique': {
      if (!named(t.uniques, step.unique.name)) throw new Error(`there is no unique ${step.unique.name}`);
      const others = (t.uniques ?? []).filter((u) => u.name !== step.unique.name);
      if (step.kind === 'dropUnique') return { ...t, uniques: others };
      needColumn(t, step.unique.column);
      return { ...t, uniques: [...others, step.unique] };
    }
    case 'createIndex':
      if (named(t.indexes, step.index.name)) throw new Error(`index ${step.index.name} already exists`);
      for (const c of step.index.columns) needColumn(t, c);
      return { ...t, indexes: [...(t.indexes ?? []), step.index] };
    case 'dropIndex':
      if (!named(t.indexes, step.index.name)) throw new Error(`there is no index ${step.index.name}`);
      return { ...t, indexes: (t.indexes ?? []).filter((i) => i.name !== step.index.name) };
    case 'widenColumn':
      needColumn(t, step.column.name);
      return { ...t, columns: t.columns.map((c) => (c.name === step.column.name ? step.column : c)) };
  }
}

/** Applies one step to the state; throws an Error saying why it cannot apply. */
export function applyStep(state: SchemaState, step: MigrationStep): void {
  if (step.kind === 'createTable') {
    if (state.has(step.table.name)) throw new Error(`table ${step.table.name} already exists`);
    state.set(step.table.name, { model: step.model, table: step.table });
    return;
  }
  const table = alteredTable(state, step);
  if (step.kind === 'dropTable') state.delete(step.table);
  else state.set(step.table, { model: step.model, table });
}

/** The schema the migration files build, in order; a step that cannot apply names its file. */
export function replay(migrations: readonly Migration[]): SchemaState {
  const state: SchemaState = new Map();
  for (const m of migrations) {
    m.operations.forEach((step, i) => {
      try {
        applyStep(state, step);
      } catch (err) {
        const where = m.source ? `migration file ${displayPath(m.source.file)}` : `migration ${m.id}`;
        throw new DistdbError('config', `${where}: operations[${i}]: ${(err as Error).message}`, {
          cause: err,
        });
      }
    });
  }
  return state;
}
