import type { GeneratorSpec } from '../simulation/datasets/generator.js';
import type { RawOrder } from './rawBaseline.js';

export type BenchJob =
  | {
      readonly kind: 'raw';
      readonly order: RawOrder;
      readonly backend: 'sqlite' | 'postgres';
      readonly rawTargets: Record<'users' | 'products' | 'orders', string>;
      readonly spec: GeneratorSpec;
    }
  | {
      readonly kind: 'distdb';
      readonly urls: Record<string, string>;
      readonly threads: number;
      readonly spec: GeneratorSpec;
    };

export interface ChildResult {
  readonly recordsPerSecond: number;
  readonly ms: number;
  readonly maxRssMb: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly mismatches?: number;
}
