/**
 * The generator module of schemas without one of their own: records derived from the field
 * declarations (see SchemaGenerator).
 */
import type { AnyModel } from '../../models/model.js';
import { SchemaGenerator } from './derivedRecords.js';
import type { GeneratorSpec } from './generator.js';
import { evenSplit } from './split.js';

export { type Intent, SchemaGenerator } from './derivedRecords.js';

const generators = new WeakMap<readonly AnyModel[], Map<string, SchemaGenerator>>();

/**
 * The generator for a spec and schema. Workers call this for every batch: the plans (text
 * layouts searched against patterns) and the memo of landed records are kept per spec.
 */
export function createGenerator(spec: GeneratorSpec, models: readonly AnyModel[]): SchemaGenerator {
  const key = JSON.stringify([spec.seed, spec.invalidRatio, Object.entries(spec.counts).sort()]);
  let byKey = generators.get(models);
  if (!byKey) {
    byKey = new Map();
    generators.set(models, byKey);
  }
  let generator = byKey.get(key);
  if (!generator) {
    if (byKey.size >= 4) byKey.clear();
    generator = new SchemaGenerator(spec, models);
    byKey.set(key, generator);
  }
  return generator;
}

/** `--records N` shared equally among the models. */
export const split = evenSplit;
