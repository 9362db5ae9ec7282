import type { AnyModel } from '../../models/model.js';
import type { Dataset } from '../datasets/dataset.js';
import type { BatchTask } from '../messages.js';
import { batchesOf, phases, type RunPlan } from '../plan.js';

/** A batch as cut from the dataset, before it is numbered and sent. */
export type Task = Omit<BatchTask, 'batchId' | 'run'>;

export function batchSize(task: Task): number {
  return task.generate?.count ?? task.records?.length ?? 0;
}

/** A model's batches with one looked ahead, and how many of its records are in flight. */
export class Cursor {
  next: Task | undefined;
  inFlight = 0;
  constructor(private readonly batches: Iterator<Task>) {
    this.advance();
  }
  advance(): void {
    const r = this.batches.next();
    this.next = r.done ? undefined : r.value;
  }
}

/**
 * The run's phases in order (see `phases`): the models of a phase may reference those of
 * earlier phases, so the caller starts a phase only once the previous one committed fully.
 * Batches already committed (resume) are skipped.
 */
export class PhasePlan {
  readonly #phases: AnyModel[][];
  #index = -1;

  constructor(
    models: readonly AnyModel[],
    private readonly dataset: Dataset,
    private readonly plan: RunPlan,
    private readonly done: Readonly<Record<string, number>>,
  ) {
    this.#phases = phases(models);
  }

  /** The next phase's models; undefined once every phase was given out. */
  next(): readonly AnyModel[] | undefined {
    return this.#phases[++this.#index];
  }

  /** A cursor per model of the phase; batches are cut lazily, as they are sent. */
  cursors(phase: readonly AnyModel[]): Cursor[] {
    return phase.map((m) => new Cursor(batchesOf(m, this.dataset, this.plan, this.done[m.name] ?? 0)));
  }
}
