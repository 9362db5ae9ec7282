import { DistdbError, type ErrorKind, errorMessage } from '../../errors.js';
import type { AnyModel } from '../../models/model.js';
import { scrub } from '../../secrets.js';
import type { CommitTurns } from '../commitTurns.js';
import type { BatchResult, ReferencesMessage } from '../messages.js';
import { Ending } from './ending.js';
import type { Feeder } from './feeder.js';
import type { PhasePlan } from './phasePlan.js';
import type { WorkerEvent, WorkerPool } from './workerPool.js';

type Snapshots = ReferencesMessage['snapshots'];

/** What moves a run on: its workers' messages, the start of its phases, and its abort signal. */
export type RunEvent =
  | WorkerEvent
  | { readonly type: 'phase-ready'; readonly phase: readonly AnyModel[]; readonly snapshots: Snapshots }
  | { readonly type: 'phase-failed'; readonly error: unknown }
  | { readonly type: 'stopped'; readonly reason: unknown };

/**
 * - starting: `beforePhase` runs; nothing is in flight, the previous phase committed fully.
 * - feeding: the phase's batches go to workers as they have room.
 * - draining: every batch of the phase was sent; the next phase waits for them to commit.
 * Then the run is over (see Ending); once it is failing, nothing more is sent.
 */
type Stage = 'starting' | 'feeding' | 'draining';

export interface RunParts {
  readonly turns: CommitTurns;
  readonly plan: PhasePlan;
  readonly feeder: Feeder;
  readonly pool: WorkerPool;
  readonly onResult: (result: BatchResult) => void;
  /** What it returns is sent to every worker before the phase's first batch. */
  readonly beforePhase: ((models: readonly AnyModel[]) => Promise<Snapshots>) | undefined;
  readonly signal: AbortSignal | undefined;
}

/** A run's batches, phase by phase, from the first to the last commit (or the first fatal error). */
export class Run {
  /** Before the first phase, the (empty) phase before it is fed. */
  #stage: Stage = 'feeding';
  readonly #ending: Ending;

  constructor(private readonly parts: RunParts) {
    this.#ending = new Ending(parts.turns, () => parts.pool.inFlight);
  }

  /** Resolves when every batch is committed; rejects with the run's error. */
  async run(): Promise<void> {
    const { signal } = this.parts;
    const stop = () => this.on({ type: 'stopped', reason: signal?.reason });
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop, { once: true });
    this.#step();
    try {
      await this.#ending.promise;
    } finally {
      signal?.removeEventListener('abort', stop);
    }
  }

  on(event: RunEvent): void {
    const ending = this.#ending;
    if (ending.over) return;
    switch (event.type) {
      case 'ready':
        break;
      case 'done':
        this.parts.feeder.settle(event.batchId, event.attempted);
        this.parts.onResult(event);
        this.#step();
        break;
      case 'abandoned':
        ending.failIfIdle();
        break;
      case 'fatal':
        ending.fail(new DistdbError(event.kind as ErrorKind, event.message));
        break;
      case 'crashed': {
        const message = `worker ${event.thread} crashed: ${scrub(errorMessage(event.error))}`;
        ending.fail(new DistdbError('runtime', message, { cause: event.error }));
        break;
      }
      case 'stopped':
        ending.fail(asDistdbError(event.reason, 'the run was stopped'));
        break;
      case 'phase-ready':
        this.#beginPhase(event.phase, event.snapshots);
        break;
      case 'phase-failed':
        ending.fail(asDistdbError(event.error, 'cannot start the next phase'));
        break;
    }
  }

  /** Sends batches while workers have room; once the phase is all committed, starts the next. */
  #step(): void {
    const { feeder, pool } = this.parts;
    if (this.#ending.failing) {
      this.#ending.failIfIdle();
      return;
    }
    if (this.#stage === 'starting') return; // the phase's batches come once it has started
    for (;;) {
      if (feeder.exhausted) {
        if (pool.inFlight > 0) this.#stage = 'draining';
        else this.#startPhase();
        return;
      }
      const next = feeder.peek();
      const slot = next && pool.pick(next.task.model, next.records);
      if (!next || !slot) return;
      // A worker taken over as it was picked may have reported a fatal error already.
      if (this.#ending.failing) {
        this.#ending.failIfIdle();
        return;
      }
      pool.send(slot, feeder.take(next));
    }
  }

  #startPhase(): void {
    const phase = this.parts.plan.next();
    if (!phase) {
      this.#ending.done();
      return;
    }
    this.#stage = 'starting';
    (this.parts.beforePhase?.(phase) ?? Promise.resolve({})).then(
      (snapshots) => this.on({ type: 'phase-ready', phase, snapshots }),
      (error: unknown) => this.on({ type: 'phase-failed', error }),
    );
  }

  /** Workers get the phase's references before its first batch (and those started later, on start). */
  #beginPhase(phase: readonly AnyModel[], snapshots: Snapshots): void {
    this.#stage = 'feeding';
    this.parts.pool.broadcast({ type: 'references', snapshots });
    this.parts.feeder.begin(this.parts.plan.cursors(phase));
    this.#step();
  }
}

function asDistdbError(err: unknown, what: string): DistdbError {
  return err instanceof DistdbError
    ? err
    : new DistdbError('runtime', `${what}: ${scrub(errorMessage(err))}`, { cause: err });
}
