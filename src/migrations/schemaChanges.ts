import { DistdbError } from '../errors.js';
import type { AnyModel } from '../models/model.js';
import type { TableDef } from '../schema/tableDef.js';
import type { MigrationStep } from './migrations.js';
import { applyStep, type SchemaState } from './schemaState.js';
import { checksOn, columnChange, same, sameTable, withoutColumn } from './tableCompare.js';

/** The steps that turn the migrations' schema into the models' tables. */
export interface SchemaChanges {
  readonly steps: readonly MigrationStep[];
  /** Tables the steps drop, rows and all: of models no longer declared. */
  readonly dropped: readonly { readonly model: string; readonly table: string }[];
}

function refuse(message: string): never {
  throw new DistdbError('config', message);
}

/** Existing columns must be as they were, and a new column must leave stored rows valid. */
function checkColumns(label: string, from: TableDef, to: TableDef): void {
  for (const c of to.columns) {
    const old = from.columns.find((x) => x.name === c.name);
    if (!old) {
      if (!c.nullable && c.default === undefined)
        refuse(
          `cannot add ${label}.${c.name}: rows already in table ${to.name} would have no value for it; make it optional or give it a default`,
        );
      continue;
    }
    const change = columnChange(
      { column: old, checks: checksOn(from, c.name) },
      { column: c, checks: checksOn(to, c.name) },
    );
    if (change)
      refuse(
        `cannot migrate ${label}.${c.name}: ${change}, which no migration step can do to an existing column (add a new field instead, or undo the change)`,
      );
  }
}

/** Steps from one table to another of the same model: drops first, then additions. */
function tableSteps(label: string, from: TableDef, to: TableDef): MigrationStep[] {
  if (from.primaryKey !== to.primaryKey)
    refuse(`cannot migrate ${label}: its primary key changed from ${from.primaryKey} to ${to.primaryKey}`);
  checkColumns(label, from, to);
  const work: SchemaState = new Map([[to.name, { model: label, table: from }]]);
  const steps: MigrationStep[] = [];
  const push = (step: MigrationStep) => {
    applyStep(work, step);
    steps.push(step);
  };
  const now = () => work.get(to.name)?.table ?? from;
  const kept = (column: string) => to.columns.some((c) => c.name === column);
  const table = to.name;
  for (const u of from.uniques ?? [])
    if (!to.uniques?.some((x) => x.name === u.name) && kept(u.column))
      push({ model: label, kind: 'dropUnique', table, unique: u });
  for (const i of from.indexes ?? [])
    if (
      !same(
        i,
        to.indexes?.find((x) => x.name === i.name),
      ) &&
      i.columns.every(kept)
    )
      push({ model: label, kind: 'dropIndex', table, index: i });
  for (const c of from.columns)
    if (!kept(c.name))
      push({ model: label, kind: 'dropColumn', table, column: c.name, result: withoutColumn(now(), c.name) });
  for (const c of to.columns) {
    if (from.columns.some((x) => x.name === c.name)) continue;
    const checks = checksOn(to, c.name);
    push({ model: label, kind: 'addColumn', table, column: c, ...(checks.length > 0 ? { checks } : {}) });
  }
  for (const u of to.uniques ?? []) {
    const old = now().uniques?.find((x) => x.name === u.name);
    if (!old) push({ model: label, kind: 'addUnique', table, unique: u });
    else if (!same(old, u)) push({ model: label, kind: 'recreateUnique', table, unique: u });
  }
  for (const i of to.indexes ?? [])
    if (!now().indexes?.some((x) => x.name === i.name))
      push({ model: label, kind: 'createIndex', table, index: i });
  if (!sameTable(now(), to))
    refuse(`cannot migrate ${label}: table ${table} changed in a way no migration step can do`);
  return steps;
}

/** The steps one model needs; a change no step can express is a config error naming Model.field. */
export function modelSteps(state: SchemaState, model: AnyModel): MigrationStep[] {
  const found = state.get(model.table.name);
  if (!found) return [{ model: model.label, kind: 'createTable', table: model.table }];
  if (found.model !== model.label)
    refuse(
      `cannot migrate ${model.label}: table ${model.table.name} belongs to model ${found.model} in the migrations (a model cannot be renamed)`,
    );
  return tableSteps(model.label, found.table, model.table);
}

/** Tables of the migrations that no model declares any more. */
function droppedTables(state: SchemaState, models: readonly AnyModel[]): { model: string; table: string }[] {
  const declared = new Set(models.map((m) => m.table.name));
  return [...state.entries()]
    .filter(([t]) => !declared.has(t))
    .map(([table, s]) => ({ model: s.model, table }));
}

export function schemaChanges(state: SchemaState, models: readonly AnyModel[]): SchemaChanges {
  const steps = models.flatMap((m) => modelSteps(state, m));
  const dropped = droppedTables(state, models);
  for (const d of dropped) steps.push({ model: d.model, kind: 'dropTable', table: d.table });
  return { steps, dropped };
}

/** Models whose tables differ from what the migrations build (dropped models included). */
export function driftedModels(state: SchemaState, models: readonly AnyModel[]): string[] {
  const out = models
    .filter((m) => {
      try {
        return modelSteps(state, m).length > 0;
      } catch {
        return true;
      }
    })
    .map((m) => m.label);
  return [...out, ...droppedTables(state, models).map((d) => d.model)];
}
