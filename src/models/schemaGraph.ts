import { DistdbError } from '../errors.js';
import { type AnyModel, referenceFields } from './model.js';

function fail(problem: string): never {
  throw new DistdbError('config', `models: ${problem}`);
}

function isModel(value: unknown): value is AnyModel {
  const m = value as AnyModel | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.label === 'string' &&
    Array.isArray(m.fields) &&
    typeof m.table?.name === 'string'
  );
}

/** Each label, name and table once; every reference to a model of the schema, by the same table. */
function checkModels(models: readonly unknown[]): asserts models is readonly AnyModel[] {
  const seen = new Map<string, string>();
  models.forEach((m, i) => {
    if (!isModel(m)) fail(`[${i}] is not a model (declare it with defineModel)`);
    for (const [what, key] of [
      ['name', m.label],
      ['name', m.name],
      ['table', m.table.name],
    ] as const) {
      const other = seen.get(`${what}:${key}`);
      if (other !== undefined) fail(`${m.label} and ${other} have the same ${what} "${key}"`);
      seen.set(`${what}:${key}`, m.label);
    }
  });
  const checked = models as readonly AnyModel[];
  for (const m of checked) {
    for (const f of referenceFields(m)) {
      if (!checked.some((t) => t.label === f.type.model)) {
        fail(`${m.label}.${f.name} references ${f.type.model}, which is not among the models`);
      }
    }
  }
}

/**
 * The models in dependency order (each after the models it references; otherwise as given).
 * A cycle of references is a configuration error naming it.
 */
export function orderModels(models: readonly unknown[]): AnyModel[] {
  checkModels(models);
  const byLabel = new Map(models.map((m) => [m.label, m]));
  const out: AnyModel[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (m: AnyModel, path: string[]) => {
    if (state.get(m.label) === 'done') return;
    if (state.get(m.label) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(m.label)), m.label];
      fail(
        `references form a cycle: ${cycle.join(' → ')} (a record could never be decided before the records it references)`,
      );
    }
    state.set(m.label, 'visiting');
    for (const f of referenceFields(m)) visit(byLabel.get(f.type.model) as AnyModel, [...path, m.label]);
    state.set(m.label, 'done');
    out.push(m);
  };
  for (const m of models) visit(m, []);
  return out;
}

/**
 * Phases of a run: models referencing nothing first, then each model once every model it
 * references is in an earlier phase. A phase's models are written side by side.
 */
export function referencePhases(models: readonly AnyModel[]): AnyModel[][] {
  const level = new Map<string, number>();
  const phases: AnyModel[][] = [];
  for (const m of orderModels(models)) {
    const l = Math.max(-1, ...referenceFields(m).map((f) => level.get(f.type.model) ?? 0)) + 1;
    level.set(m.label, l);
    const phase = phases[l] ?? [];
    phase.push(m);
    phases[l] = phase;
  }
  return phases;
}

/** The model a label names (or its snake-case name). */
export function modelNamed(models: readonly AnyModel[], label: string): AnyModel | undefined {
  return models.find((m) => m.label === label || m.name === label);
}
