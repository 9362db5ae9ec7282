import type { FailureCode } from '../models/failureCodes.js';
import type { AnyModel } from '../models/model.js';
import type { Sharding } from '../routing/sharding.js';
import type { JournalRun } from '../store/journal.js';
import type { GeneratorSpec } from './datasets/generator.js';
import type { IdSnapshot } from './idSnapshot.js';
import type { PartCount } from './shardParts.js';

/** Everything a worker needs, passed as plain data at start. */
/** A thread started without its init (prebootWorkers) gets it as its first message. */
export interface InitMessage {
  readonly type: 'init';
  readonly init: WorkerInit;
}

export interface WorkerInit {
  readonly thread: number;
  /** The schema's models (plain data), each after the models it references. */
  readonly models: readonly AnyModel[];
  /** Module URL of the schema's record generator (default: derived from the fields). */
  readonly generator?: string;
  /** Alias → URL; secrets stay inside the process. */
  readonly databases: Readonly<Record<string, string>>;
  /** Model name → alias it writes to (unsharded models). */
  readonly writeAlias: Readonly<Record<string, string>>;
  /** Model label → alias it is read from (for reference checks); sharded models are not here. */
  readonly readAlias: Readonly<Record<string, string>>;
  /** Model label → its sharding rule: its batches are written to its shards, each its part. */
  readonly sharding?: Sharding;
  /** The run's shared write turns and key digests (see CommitTurns). */
  readonly sync: SharedArrayBuffer;
  readonly maxRetries: number;
  /** Page cache per connection for embedded databases: the run's cache budget shared out. */
  readonly cacheKb: number;
  /** Other workers write the same databases (more than one thread): caches are released after each commit. */
  readonly sharedWriter: boolean;
  /** Close connections whenever the queue runs dry: set when servers limit the connections. */
  readonly closeIdle: boolean;
}

export interface BatchTask {
  readonly type: 'batch';
  readonly batchId: number;
  readonly run: JournalRun;
  readonly model: string;
  /** Position of this batch among its model's batches: the write turn it waits for. */
  readonly seq: number;
  /** Dataset index of the first record. */
  readonly firstIndex: number;
  /** The records, or how to generate them (`count` records from `firstIndex`). */
  readonly records?: readonly unknown[];
  /** Records that fail as they are (`index` in this batch): each is null in `records`. */
  readonly rejected?: readonly RejectedRecord[];
  readonly generate?: { readonly spec: GeneratorSpec; readonly count: number };
}

/** Snapshots of referenced tables (model label → ids) for the phase that starts now. */
export interface ReferencesMessage {
  readonly type: 'references';
  readonly snapshots: Readonly<Record<string, IdSnapshot>>;
}

export type ToWorker = BatchTask | ReferencesMessage | { readonly type: 'stop' };

export interface RejectedRecord {
  readonly index: number;
  readonly id: string | number | null;
  readonly code: FailureCode;
  readonly message: string;
}

export interface RecordFailure {
  readonly index: number;
  readonly id: string | number | null;
  readonly code: FailureCode;
  readonly message: string;
}

export interface BatchResult {
  readonly type: 'done';
  readonly batchId: number;
  readonly thread: number;
  readonly model: string;
  readonly attempted: number;
  readonly succeeded: number;
  readonly failures: RecordFailure[];
  /** From the worker picking the batch up to its commit: every record's acknowledgement latency. */
  readonly latencyMs: number;
  /** Time spent working (validating, writing), waits for the write turn excluded. */
  readonly busyMs: number;
  /** Wall-clock time of the commit (ms since epoch). */
  readonly committedAt: number;
  readonly retries: number;
  /** A sharded model's batch: what each shard's part held and decided. */
  readonly shards?: readonly PartCount[];
  /** For generated records: intended outcomes by code (`ok` for success) and disagreements. */
  readonly expected?: Record<string, number>;
  /** The first few disagreements; `mismatchCount` counts them all. */
  readonly mismatches?: readonly Mismatch[];
  readonly mismatchCount?: number;
}

export interface Mismatch {
  readonly index: number;
  readonly expected: string;
  readonly actual: string;
}

export type FromWorker =
  | { readonly type: 'ready'; readonly thread: number }
  | BatchResult
  /** The run is being stopped: these batches were not written. */
  | { readonly type: 'abandoned'; readonly thread: number; readonly batchIds: readonly number[] }
  /** This worker cannot go on; its batches listed were not written. */
  | {
      readonly type: 'fatal';
      readonly thread: number;
      readonly kind: string;
      readonly message: string;
      readonly batchIds: readonly number[];
    };
