import { DEFAULT_ALIAS } from '../config/defaults.js';
import type { Distdb } from '../distdb.js';
import { advisedError, DistdbError } from '../errors.js';
import type { AnyModel } from '../models/model.js';
import { readLayouts } from '../queries/layouts.js';
import { JobStore, type ReshardJob } from './job.js';
import { movePlan, planReshard, type ReshardPlan, reshardableRule } from './plan.js';
import { scanRecords } from './rows.js';
import { abortStep, cleanupStep, copyStep, switchStep } from './steps.js';
import type { Verification } from './verify.js';

export interface ReshardOptions {
  /** The databases of the new layout: the model's, in order, then the ones to add. */
  readonly to?: readonly string[];
  /** Finishes the reshard an interruption left. */
  readonly resume?: boolean;
  /** Gives up a reshard that has not switched yet: the old layout stays, the copies go. */
  readonly abort?: boolean;
}

export interface ReshardResult {
  readonly model: string;
  readonly status: 'done' | 'aborted';
  readonly from: { readonly version: number; readonly databases: readonly string[] };
  readonly to: { readonly version: number; readonly databases: readonly string[] };
  readonly rowsCopied: number;
  readonly changesApplied: number;
  /** Rows taken out of their old shards after the switch. */
  readonly rowsRemoved: number;
  readonly fenceMs?: number;
  readonly verification?: Verification;
}

function refused(reason: string, message: string): DistdbError {
  return new DistdbError('usage', message, { reason });
}

/**
 * Moves a hash-sharded model to a new layout while it is written: copy, catch up, switch
 * (writes held, the last changes applied, copies verified, the new layout published), then
 * remove moved rows from their old shards. One reshard runs at a time per deployment; an
 * interrupted one is finished with `resume` or given up with `abort` before its switch.
 */
export async function reshard(db: Distdb, model: AnyModel, options: ReshardOptions): Promise<ReshardResult> {
  reshardableRule(db, model);
  const home = await db.connection(DEFAULT_ALIAS);
  const lock = await home.holdLock('distdb_reshard');
  if (!lock) throw refused('reshard_running', 'another reshard of this deployment is running');
  try {
    // The layout this reshard starts from is the one in force now, not what was read before the lock.
    await db.refreshLayouts();
    const stored = (await readLayouts(home)).get(model.label);
    const open = stored && stored.state !== 'stable' ? stored : undefined;
    if (options.abort || options.resume) {
      if (!open) throw refused('reshard_none', `no reshard of ${model.label} is under way`);
      if (options.resume && (open.job as ReshardJob).step === 'aborting')
        throw refused(
          'reshard_aborting',
          `the reshard of ${model.label} is being given up: abort it again to finish`,
        );
      const store = new JobStore(home, model, open);
      return options.abort ? await abortMove(db, model, store) : await runMove(db, model, store);
    }
    if (open) {
      const job = open.job as ReshardJob;
      throw advisedError(
        'usage',
        `a reshard of ${model.label} to ${job.to.join(', ')} is under way`,
        'reshard_unfinished',
        'resume it or abort it first',
      );
    }
    const plan = planReshard(db, model, options.to ?? []);
    await checkEmpty(db, plan);
    const job: ReshardJob = {
      from: plan.from,
      to: plan.to,
      version: plan.version + 1,
      step: 'copy',
      prepared: false,
      copied: {},
      done: [],
      rowsCopied: 0,
      changesApplied: 0,
      startedAt: new Date().toISOString(),
    };
    const store = new JobStore(home, model, {
      model: model.label,
      version: plan.version,
      databases: plan.from,
      state: 'moving',
      job,
    });
    await store.replace(store.stored);
    return await runMove(db, model, store);
  } finally {
    await lock.release();
  }
}

/** The plan a stored job follows. */
function planOf(db: Distdb, model: AnyModel, job: ReshardJob): ReshardPlan {
  return movePlan(model, reshardableRule(db, model), job.version - 1, job.from, job.to);
}

/** A database added by the layout must not hold records of the model yet: they would be taken for copies. */
async function checkEmpty(db: Distdb, plan: ReshardPlan): Promise<void> {
  for (const alias of plan.added) {
    const conn = await db.connection(alias);
    if (!(await conn.tableExists(plan.model.table.name))) continue;
    const [first] = await scanRecords({ alias, conn }, plan.model, Number.MIN_SAFE_INTEGER, 1);
    if (first)
      throw refused(
        'reshard_target_not_empty',
        `database "${alias}" already holds ${plan.model.label} records: a reshard adds only databases without them`,
      );
  }
}

async function runMove(db: Distdb, model: AnyModel, store: JobStore): Promise<ReshardResult> {
  const plan = planOf(db, model, store.job);
  if (store.job.step === 'copy') await copyStep(db, plan, store);
  if (store.job.step === 'switch') await switchStep(db, plan, store);
  const job = store.job;
  const removed = await cleanupStep(db, plan, store);
  return resultOf(plan, job, 'done', removed);
}

function resultOf(
  plan: ReshardPlan,
  job: ReshardJob,
  status: ReshardResult['status'],
  removed: number,
): ReshardResult {
  const done = status === 'done';
  return {
    model: plan.model.label,
    status,
    from: { version: plan.version, databases: plan.from },
    to: { version: done ? job.version : plan.version, databases: done ? plan.to : plan.from },
    rowsCopied: job.rowsCopied,
    changesApplied: job.changesApplied,
    rowsRemoved: removed,
    ...(job.fenceMs === undefined ? {} : { fenceMs: job.fenceMs }),
    ...(job.verification ? { verification: job.verification } : {}),
  };
}

/** Gives up a reshard before its switch; after it, the new layout is in force and only resume finishes. */
async function abortMove(db: Distdb, model: AnyModel, store: JobStore): Promise<ReshardResult> {
  const plan = planOf(db, model, store.job);
  if (store.stored.state !== 'moving')
    throw refused(
      'reshard_switched',
      `the reshard of ${model.label} has switched to ${plan.to.join(', ')}: it can only be resumed`,
    );
  const job = store.job;
  await abortStep(db, plan, store);
  return resultOf(plan, job, 'aborted', 0);
}
