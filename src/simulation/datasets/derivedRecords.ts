import type { FailureCode } from '../../models/failureCodes.js';
import type { AnyModel, FieldKind } from '../../models/model.js';
import { validateField } from '../../models/validate.js';
import { ABSENT, caseVariant } from './fieldValues.js';
import type { GeneratedRecord, GeneratorSpec, RecordGenerator } from './generator.js';
import { LandedCache } from './landedCache.js';
import { type FieldPlan, type ModelPlan, planModel, type Violation } from './modelPlan.js';
import { Rng } from './random.js';

/** Records tried when looking for one that lands (or one that does not). */
const TRIES = 32;

/** A generated record, with the name of the problem it was given (`clean` if none). */
export interface Intent extends GeneratedRecord {
  readonly violation: string;
}

/** A record being made: its values by field position, and the codes of its problems. */
interface Draft {
  readonly values: unknown[];
  readonly problems: FailureCode[];
  /** Fields whose value the violation set (their clean value is not checked). */
  readonly touched: Set<number>;
  extra?: [string, unknown];
  violation: string;
}

/**
 * Derives records from the models' field declarations. Record i of a model is a function of
 * (seed, model, i): whether it is bad and how, its values, and the records it references,
 * which are searched among the referenced model's records that land (known by generating
 * them, memoized), so every record's expected outcome is the one distdb decides.
 */
export class SchemaGenerator implements RecordGenerator {
  readonly #plans = new Map<string, ModelPlan>();
  /** Plans by label: how references name their model. */
  readonly #byLabel = new Map<string, ModelPlan>();
  readonly #landed = new Map<string, LandedCache>();

  constructor(
    readonly spec: GeneratorSpec,
    models: readonly AnyModel[],
  ) {
    for (const m of models) {
      const plan = planModel(m, spec.counts);
      this.#plans.set(m.name, plan);
      this.#byLabel.set(m.label, plan);
      this.#landed.set(m.name, new LandedCache());
    }
  }

  #plan(model: AnyModel): ModelPlan {
    const plan = this.#plans.get(model.name);
    if (!plan) throw new Error(`model ${model.label} is not in the schema`);
    return plan;
  }

  #target(label: string): ModelPlan {
    const plan = this.#byLabel.get(label);
    if (!plan) throw new Error(`referenced model ${label} is not in the schema`);
    return plan;
  }

  range(model: AnyModel, start: number, count: number): GeneratedRecord[] {
    const plan = this.#plan(model);
    const out: GeneratedRecord[] = new Array(count);
    for (let k = 0; k < count; k++) {
      const { record, expected } = this.#generate(plan, start + k);
      out[k] = { record, expected };
    }
    return out;
  }

  /** Record `index` of the model, with the problem it was given. */
  intent(model: AnyModel, index: number): Intent {
    return this.#generate(this.#plan(model), index);
  }

  /** Every kind of problem the model's bad records are given (`field:kind`, `unknown_field`). */
  violationNames(model: AnyModel): string[] {
    return this.#plan(model).violations.map((v) => v.name);
  }

  #violation(plan: ModelPlan, index: number): Violation | undefined {
    const rng = new Rng(this.spec.seed, plan.kindStream, index);
    return rng.next() < this.spec.invalidRatio ? rng.pick(plan.violations) : undefined;
  }

  /** Whether record `index` of the model lands: it is clean and everything it references lands. */
  lands(plan: ModelPlan, index: number): boolean {
    if (index < 0 || index >= plan.count || this.#violation(plan, index) !== undefined) return false;
    const cache = this.#landed.get(plan.model.name) as LandedCache;
    let landed = cache.get(index);
    if (landed === undefined) {
      landed = this.#cleanLands(plan, index);
      cache.set(index, landed);
    }
    return landed;
  }

  /**
   * What #generate decides for a clean record, working out only what can stop it: its
   * references, and values that may break their rules.
   */
  #cleanLands(plan: ModelPlan, index: number): boolean {
    return plan.fields.every((fp, k) => {
      if (fp.field.type.kind === 'reference') return this.#pickReference(plan, k, index).found;
      if (!fp.uncertain) return true;
      const v = this.#clean(plan, k, index);
      return !('code' in validateField(fp.field, v === ABSENT ? undefined : v));
    });
  }

  #clean(plan: ModelPlan, k: number, index: number): unknown {
    const fp = plan.fields[k];
    if (!fp) return ABSENT;
    if (fp.field.type.kind === 'reference') return this.#pickReference(plan, k, index).value;
    return fp.clean(new Rng(this.spec.seed, fp.stream, index), index);
  }

  #generate(plan: ModelPlan, index: number): Intent {
    const violation = this.#violation(plan, index);
    const draft: Draft = {
      values: plan.fields.map((_, k) => this.#clean(plan, k, index)),
      problems: [],
      touched: new Set(),
      violation: violation?.name ?? 'clean',
    };
    if (violation) this.#apply(plan, index, violation, draft);
    this.#checkClean(plan, draft);
    return {
      record: recordOf(plan, draft),
      expected: firstCode(plan, draft.problems),
      violation: draft.violation,
    };
  }

  /**
   * Problems of the values the violation left alone: a reference that found no record that
   * lands (it points past the referenced records), a text its pattern refused.
   */
  #checkClean(plan: ModelPlan, draft: Draft): void {
    plan.fields.forEach((fp, k) => {
      if (draft.touched.has(k)) return;
      const v = draft.values[k];
      const type = fp.field.type;
      if (type.kind === 'reference') {
        if (typeof v === 'number' && v > this.#target(type.model).count)
          draft.problems.push(type.unknownCode);
        return;
      }
      if (!fp.uncertain || !('code' in validateField(fp.field, v === ABSENT ? undefined : v))) return;
      draft.problems.push(fp.field.invalidCode);
      draft.violation += `+${fp.field.name}:clean_invalid`;
    });
  }

  /**
   * A clean record's reference: a record of the referenced model that lands, searched as the
   * shop does, or (none found) the id just past the referenced records. An optional reference
   * is now and then null or left out.
   */
  #pickReference(plan: ModelPlan, k: number, index: number): { value: unknown; found: boolean } {
    const fp = plan.fields[k] as FieldPlan;
    const type = fp.field.type as Extract<FieldKind, { kind: 'reference' }>;
    const rng = new Rng(this.spec.seed, fp.stream, index);
    const r = rng.next();
    if (fp.field.optional && r < 0.15) return { value: r < 0.08 ? null : ABSENT, found: true };
    const target = this.#target(type.model);
    const j = this.#search(rng, target.count, (x) => this.lands(target, x));
    return { value: (j ?? target.count) + 1, found: j !== undefined };
  }

  #search(rng: Rng, count: number, wanted: (j: number) => boolean): number | undefined {
    if (count <= 0) return undefined;
    for (let tries = 0; tries < TRIES; tries++) {
      const j = rng.int(count);
      if (wanted(j)) return j;
    }
    return undefined;
  }

  /** An earlier record of the model that lands, searched down from a random one. */
  #earlierLanded(plan: ModelPlan, rng: Rng, index: number): number | undefined {
    if (index === 0) return undefined;
    let j = rng.int(index);
    for (let tries = 0; tries < TRIES && j >= 0; tries++, j--) if (this.lands(plan, j)) return j;
    return undefined;
  }

  #apply(plan: ModelPlan, index: number, v: Violation, draft: Draft): void {
    const rng = new Rng(this.spec.seed, plan.badStream, index);
    switch (v.kind) {
      case 'field':
        this.#breakField(plan, rng, v, draft);
        return;
      case 'duplicate':
        this.#duplicate(plan, rng, index, v.field, draft);
        return;
      case 'missingRef':
      case 'failedRef':
        this.#badReference(plan, rng, v, draft);
        return;
      case 'unknownField':
        draft.extra = [plan.unknownKey, rng.pick(['legacy', 42, true, null])];
        draft.problems.push('unknown_field');
    }
  }

  #breakField(plan: ModelPlan, rng: Rng, v: Extract<Violation, { kind: 'field' }>, draft: Draft): void {
    const field = plan.fields[v.field]?.field;
    if (!field) return;
    let bad = v.make(rng, draft.values[v.field]);
    // A violation that turns out valid (a pattern accepting every candidate) gives way to a wrong type.
    const r = validateField(field, bad === ABSENT || bad === undefined ? undefined : bad);
    if (bad === undefined || !('code' in r) || r.code !== field.invalidCode) {
      bad = {};
      draft.violation = `${v.name}:fallback`;
    }
    draft.values[v.field] = bad;
    draft.touched.add(v.field);
    draft.problems.push(field.invalidCode);
  }

  #duplicate(plan: ModelPlan, rng: Rng, index: number, k: number, draft: Draft): void {
    const field = plan.fields[k]?.field;
    const j = this.#earlierLanded(plan, rng, index);
    if (!field?.duplicateCode || j === undefined) {
      // Nothing earlier lands to copy: the record gets an unknown field instead.
      draft.violation = 'unknown_field';
      this.#apply(plan, index, { kind: 'unknownField', name: 'unknown_field' }, draft);
      return;
    }
    const source = this.#clean(plan, k, j);
    const variant = field.caseInsensitive ? caseVariant(rng, source) : source;
    const valid = !('code' in validateField(field, variant));
    draft.values[k] = valid ? variant : source;
    draft.touched.add(k);
    draft.problems.push(field.duplicateCode);
  }

  #badReference(
    plan: ModelPlan,
    rng: Rng,
    v: Extract<Violation, { kind: 'missingRef' | 'failedRef' }>,
    draft: Draft,
  ) {
    const type = plan.fields[v.field]?.field.type;
    if (type?.kind !== 'reference') return;
    const target = this.#target(type.model);
    const failed =
      v.kind === 'failedRef' ? this.#search(rng, target.count, (x) => !this.lands(target, x)) : undefined;
    draft.values[v.field] = failed === undefined ? target.count + 1 + rng.int(1000) : failed + 1;
    if (v.kind === 'failedRef' && failed === undefined) draft.violation = `${v.name}:missing`;
    draft.touched.add(v.field);
    draft.problems.push(type.unknownCode);
  }
}

function recordOf(plan: ModelPlan, draft: Draft): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  plan.fields.forEach((fp, k) => {
    const v = draft.values[k];
    if (v !== ABSENT) record[fp.field.name] = v;
  });
  if (draft.extra) record[draft.extra[0]] = draft.extra[1];
  return record;
}

/** With several problems (a bad value and a reference that found nothing), the first by precedence. */
function firstCode(plan: ModelPlan, problems: readonly FailureCode[]): FailureCode | 'ok' {
  let best: FailureCode | undefined;
  for (const code of problems) if (best === undefined || plan.rank(code) < plan.rank(best)) best = code;
  return best ?? 'ok';
}
