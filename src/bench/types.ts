import type { GeneratorSpec } from '../simulation/datasets/generator.js';
import type { LimitMethod } from './plainLimit.js';
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
      readonly kind: 'limit';
      readonly method: LimitMethod;
      readonly backend: 'sqlite' | 'postgres';
      readonly targets: Record<'users' | 'products' | 'orders', string>;
      readonly spec: GeneratorSpec;
    }
  | {
      readonly kind: 'distdb';
      readonly urls: Record<string, string>;
      readonly threads: number;
      readonly spec: GeneratorSpec;
      /** Sharding rules of the deployment (shardedRows.ts). */
      readonly sharding?: Record<string, unknown>;
    }
  | LibraryJob
  | ShardedJob;

/**
 * One sharded-row measurement (shardedRows.ts): insertMany of a shop model's records into a
 * deployment, with the model sharded (`sharding` set) or in one database.
 */
export interface ShardedJob {
  readonly kind: 'sharded';
  readonly model: 'User' | 'Product';
  readonly urls: Record<string, string>;
  readonly sharding?: Record<string, unknown>;
  readonly records: number;
}

/** One library-API measurement (libraryRows.ts): distdb's call, or the plain driver's equivalent. */
export interface LibraryJob {
  readonly kind: 'library';
  readonly op: LibraryOp;
  readonly side: 'distdb' | 'plain';
  readonly backend: 'sqlite' | 'postgres';
  readonly urls: Record<string, string>;
  /** Records inserted or found. */
  readonly records: number;
  /** Concurrent callers (op `insert`). */
  readonly callers: number;
}

export type LibraryOp = 'insertMany' | 'find' | 'insert';

export interface ChildResult {
  readonly recordsPerSecond: number;
  readonly ms: number;
  readonly maxRssMb: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly mismatches?: number;
}
