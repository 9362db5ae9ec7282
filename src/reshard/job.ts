import type { Connection } from '../db/dialect.js';
import type { AnyModel } from '../models/model.js';
import { type StoredLayout, writeLayout } from '../queries/layouts.js';
import type { Verification } from './verify.js';

/**
 * Where a reshard is: copying (and catching up), switching, cleaning up after the switch, or
 * being given up (an abort that must be finished before anything else).
 */
export type ReshardStep = 'copy' | 'switch' | 'cleanup' | 'aborting';

/** A reshard's progress, kept in `default` with the layout after every step and copied chunk. */
export interface ReshardJob {
  readonly from: readonly string[];
  readonly to: readonly string[];
  /** The version of the layout it moves to. */
  readonly version: number;
  readonly step: ReshardStep;
  /** Its shards and epochs are in place, its triggers installed. */
  readonly prepared: boolean;
  /** Per old shard, the last id copied; `done` lists those copied to the end. */
  readonly copied: Readonly<Record<string, number>>;
  readonly done: readonly string[];
  readonly rowsCopied: number;
  readonly changesApplied: number;
  readonly startedAt: string;
  readonly switchedAt?: string;
  /** How long writes to the old shards were held at the switch. */
  readonly fenceMs?: number;
  readonly verification?: Verification;
}

/**
 * The stored layout of a model and its reshard's job, written back in order: parts of a
 * reshard that run at once each change the job, and no write overtakes an earlier one.
 */
export class JobStore {
  #queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly home: Connection,
    private readonly model: AnyModel,
    private layout: StoredLayout,
  ) {}

  get job(): ReshardJob {
    return this.layout.job as ReshardJob;
  }

  get stored(): StoredLayout {
    return this.layout;
  }

  /** Changes the job and keeps it. */
  update(change: (job: ReshardJob) => Partial<ReshardJob>): Promise<void> {
    this.layout = { ...this.layout, job: { ...this.job, ...change(this.job) } };
    return this.#write();
  }

  /** Replaces the whole stored layout (a switch, an abort, the end). */
  replace(layout: Omit<StoredLayout, 'model'>): Promise<void> {
    this.layout = { ...layout, model: this.model.label };
    return this.#write();
  }

  #write(): Promise<void> {
    const snapshot = this.layout;
    // A failed write fails its caller; the writes after it are still made.
    const written = this.#queue.catch(() => {}).then(() => writeLayout(this.home, snapshot));
    this.#queue = written;
    return written;
  }
}
