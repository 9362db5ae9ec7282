import type { ColumnDef, IndexDef, TableDef } from './tableDef.js';

/**
 * A random key per run, unique across deployments: run ids count up in each `default`
 * database, so two deployments sharing model databases can both have a run 1. Batch journal
 * entries are keyed by it (NULL for runs recorded before it existed, whose entries are keyed by
 * the run id).
 */
export const RUN_KEY_COLUMN: ColumnDef = {
  name: 'run_key',
  type: { kind: 'varchar', length: 64 },
  nullable: true,
};

/** Room for a model's snake-case name in run history and journals (model names are at most 40 characters). */
export const MODEL_NAME_LENGTH = 100;

/** One row per simulation run; `report` holds the report value (failures aside) as JSON. */
export const RUNS_TABLE: TableDef = {
  name: 'distdb_runs',
  primaryKey: 'id',
  columns: [
    { name: 'id', type: { kind: 'bigint' } },
    { name: 'started_at', type: { kind: 'varchar', length: 40 } },
    { name: 'finished_at', type: { kind: 'varchar', length: 40 }, nullable: true },
    { name: 'status', type: { kind: 'varchar', length: 20 } },
    { name: 'dataset', type: { kind: 'varchar', length: 255 } },
    { name: 'threads', type: { kind: 'integer' } },
    /** host:pid of the process running it, to tell a live run from an interrupted one. */
    { name: 'owner', type: { kind: 'varchar', length: 255 } },
    /** What `--resume` needs to run the same batches again: dataset descriptor and batch sizes. */
    { name: 'plan', type: { kind: 'text' } },
    { name: 'config', type: { kind: 'text' } },
    { name: 'report', type: { kind: 'text' }, nullable: true },
    RUN_KEY_COLUMN,
  ],
};

/** Failed records of a run, written in batches while it runs so memory stays flat. */
export const RUN_FAILURES_TABLE: TableDef = {
  name: 'distdb_run_failures',
  primaryKey: 'id',
  columns: [
    { name: 'id', type: { kind: 'serial' } },
    { name: 'run_id', type: { kind: 'bigint' } },
    { name: 'seq', type: { kind: 'bigint' } },
    { name: 'model', type: { kind: 'varchar', length: MODEL_NAME_LENGTH } },
    { name: 'record_id', type: { kind: 'text' }, nullable: true },
    { name: 'code', type: { kind: 'varchar', length: 40 } },
    { name: 'message', type: { kind: 'text' } },
    { name: 'thread', type: { kind: 'integer' } },
  ],
  indexes: [{ name: 'distdb_run_failures_run_idx', columns: ['run_id', 'seq'] }],
};

/** Each code's first failures of a run, for reports that list examples of every code. */
export const RUN_FAILURES_BY_CODE: IndexDef = {
  name: 'distdb_run_failures_code_idx',
  columns: ['run_id', 'code', 'seq'],
};

/**
 * Kept in every database that holds a model, written in the same transaction as each batch:
 * which batches of a run committed and what they decided. `--resume` reads it to skip exactly
 * those batches.
 */
export const BATCH_JOURNAL_TABLE: TableDef = {
  name: 'distdb_batches',
  primaryKey: 'batch_key',
  columns: [
    { name: 'batch_key', type: { kind: 'varchar', length: 255 } },
    { name: 'run_id', type: { kind: 'bigint' } },
    { name: 'model', type: { kind: 'varchar', length: MODEL_NAME_LENGTH } },
    { name: 'seq', type: { kind: 'bigint' } },
    { name: 'first_index', type: { kind: 'bigint' } },
    { name: 'thread', type: { kind: 'integer' } },
    { name: 'attempted', type: { kind: 'integer' } },
    { name: 'succeeded', type: { kind: 'integer' } },
    { name: 'failures', type: { kind: 'text' } },
    { name: 'committed_at', type: { kind: 'varchar', length: 40 } },
  ],
  indexes: [{ name: 'distdb_batches_run_idx', columns: ['run_id', 'model', 'seq'] }],
};

/**
 * The global unique index of sharded models, kept in one database per model (`index` of its
 * rule): one row per unique value a record of a sharded model holds (and per id, when the
 * shard key is another field), keyed by a digest of the model, field and value, naming the
 * shard and the record that holds it. A shard's own indexes cannot see the others' values.
 */
export const SHARD_KEYS_TABLE: TableDef = {
  name: 'distdb_shard_keys',
  primaryKey: 'claim',
  columns: [
    { name: 'claim', type: { kind: 'varchar', length: 64 } },
    { name: 'model', type: { kind: 'varchar', length: MODEL_NAME_LENGTH } },
    { name: 'shard', type: { kind: 'varchar', length: 64 } },
    { name: 'owner', type: { kind: 'bigint' } },
    /** Milliseconds since the epoch: a claim whose record never landed is taken over once old. */
    { name: 'claimed_at', type: { kind: 'bigint' } },
  ],
  indexes: [{ name: 'distdb_shard_keys_owner_idx', columns: ['model', 'shard', 'owner'] }],
};

/**
 * Where generated ids come from (`f.id({ generated: true })`): per model, the next id not yet
 * handed out. A process takes a block of ids at a time, so ids are unique across every database
 * of the model without a round trip per record.
 */
export const ID_BLOCKS_TABLE: TableDef = {
  name: 'distdb_id_blocks',
  primaryKey: 'model',
  columns: [
    { name: 'model', type: { kind: 'varchar', length: MODEL_NAME_LENGTH } },
    { name: 'next_id', type: { kind: 'bigint' } },
  ],
};

/**
 * Kept in `default`: the hash layout in force for each model distdb has resharded (a model
 * without a row has its configured layout, version 1), and the reshard moving it, if any.
 * `state` is `stable`, `moving` (a reshard is copying into `next`) or `cleaning` (the new layout
 * is in force; moved rows are still in their old shards). `job` holds the reshard's progress.
 */
export const SHARD_LAYOUTS_TABLE: TableDef = {
  name: 'distdb_shard_layouts',
  primaryKey: 'model',
  columns: [
    { name: 'model', type: { kind: 'varchar', length: MODEL_NAME_LENGTH } },
    { name: 'version', type: { kind: 'integer' } },
    { name: 'databases', type: { kind: 'text' } },
    { name: 'state', type: { kind: 'varchar', length: 20 } },
    { name: 'job', type: { kind: 'text' }, nullable: true },
    { name: 'updated_at', type: { kind: 'varchar', length: 40 } },
  ],
};

/**
 * Kept in each shard of a model being resharded: the layout version writes to this shard must
 * have been routed by. Every write transaction of a sharded model reads it with a shared lock,
 * so the switch to a new layout waits for writes in flight and turns later ones away.
 */
export const SHARD_EPOCHS_TABLE: TableDef = {
  name: 'distdb_shard_epochs',
  primaryKey: 'model',
  columns: [
    { name: 'model', type: { kind: 'varchar', length: MODEL_NAME_LENGTH } },
    { name: 'version', type: { kind: 'integer' } },
  ],
};

/**
 * Kept in each old shard while a reshard copies: the id of every row written, filled by
 * triggers in the writing transaction, so the copy can catch up with what changed after it
 * read a row.
 */
export const RESHARD_CHANGES_TABLE: TableDef = {
  name: 'distdb_reshard_changes',
  primaryKey: 'seq',
  columns: [
    { name: 'seq', type: { kind: 'serial' } },
    { name: 'model', type: { kind: 'varchar', length: MODEL_NAME_LENGTH } },
    { name: 'row_id', type: { kind: 'bigint' } },
  ],
};

/**
 * Kept in `default`: each process that has coordinated a transaction across databases
 * (`atomic`), until it closes. One whose lock is no longer held died: its transactions may be
 * in doubt, and opening the deployment resolves them.
 */
export const ATOMIC_COORDINATORS_TABLE: TableDef = {
  name: 'distdb_atomic_coordinators',
  primaryKey: 'coordinator',
  columns: [
    { name: 'coordinator', type: { kind: 'varchar', length: 40 } },
    { name: 'started_at', type: { kind: 'varchar', length: 40 } },
  ],
};

/**
 * The coordinator log: a transaction across databases is committed once its `commit` row is
 * stored (in `default`, or in the one database taking part without two-phase commit, in its
 * own transaction). No row: rolled back. Recovery stores an `abort` row before it rolls back
 * a transaction of a coordinator it found dead, so that coordinator can no longer decide to
 * commit it. `participants` lists the prepared branches (alias, xid).
 */
export const ATOMIC_LOG_TABLE: TableDef = {
  name: 'distdb_atomic_log',
  primaryKey: 'txid',
  columns: [
    { name: 'txid', type: { kind: 'varchar', length: 64 } },
    { name: 'decision', type: { kind: 'varchar', length: 10 } },
    { name: 'participants', type: { kind: 'text' } },
    { name: 'decided_at', type: { kind: 'varchar', length: 40 } },
  ],
};
