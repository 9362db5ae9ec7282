import type { FailureCode } from '../../models/failureCodes.js';
import type { AnyModel } from '../../models/model.js';

/** Parameters of a generated workload; the same spec always yields the same records. */
export interface GeneratorSpec {
  readonly seed: number;
  /** Dataset key (table) → number of records. */
  readonly counts: Readonly<Record<string, number>>;
  /** Share of records made bad on purpose, 0..1. */
  readonly invalidRatio: number;
}

export interface GeneratedDataset {
  readonly kind: 'generated';
  readonly name: string;
  readonly spec: GeneratorSpec;
}

/** A generated record and the outcome the generator intends for it (`ok` or a failure code). */
export interface GeneratedRecord {
  readonly record: unknown;
  readonly expected: FailureCode | 'ok';
}

/** Generates records of a model by index, each in O(1), the same on every thread. */
export interface RecordGenerator {
  range(model: AnyModel, start: number, count: number): GeneratedRecord[];
}

/**
 * What a generator module exports. `split` shares `--records N` among the models; without it
 * each model gets an equal share.
 */
export interface GeneratorModule {
  createGenerator(spec: GeneratorSpec, models: readonly AnyModel[]): RecordGenerator;
  split?(total: number, models: readonly AnyModel[]): Record<string, number>;
}

const loaded = new Map<string, Promise<GeneratorModule>>();

/** The schema's generator module, or the one deriving records from the field declarations. */
export function loadGenerator(url: string | undefined): Promise<GeneratorModule> {
  const key = url ?? '';
  let mod = loaded.get(key);
  if (!mod) {
    mod = (url === undefined ? import('./schemaGenerator.js') : import(url)) as Promise<GeneratorModule>;
    loaded.set(key, mod);
  }
  return mod;
}

export function generatedName(spec: GeneratorSpec): string {
  const total = Object.values(spec.counts).reduce((a, b) => a + b, 0);
  return `generated(${total}, seed ${spec.seed}, invalid ${spec.invalidRatio})`;
}

/** A spec written the way the shop's were before counts were per table. */
export interface ShopSpec {
  readonly seed: number;
  readonly users?: number;
  readonly products?: number;
  readonly orders?: number;
  readonly invalidRatio: number;
}

/** A spec with counts per table (a shop spec's users, products and orders become counts). */
export function normalizeSpec(spec: GeneratorSpec | ShopSpec): GeneratorSpec {
  if ('counts' in spec && typeof spec.counts === 'object') return spec as GeneratorSpec;
  const { seed, invalidRatio, ...counts } = spec as ShopSpec;
  return { seed, invalidRatio, counts };
}
