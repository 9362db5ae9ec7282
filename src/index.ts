import type { ConfigInput, DistdbConfig } from './config/config.js';
import { loadConfig as loadGiven } from './config/loadConfig.js';
import { Distdb, type TypedOpenOptions } from './distdb.js';
import { shopSchema } from './examples/shop/schema.js';
import type { AnyModel } from './models/model.js';
import type { DatabaseFor } from './queries/database.js';

export type { ConfigInput, DistdbConfig, Schema } from './config/config.js';
export type { ReplicaSetting } from './config/replicasConfig.js';
export type { Connection, Dialect, HeldLock, Row, RowWrite, SqlValue } from './db/dialect.js';
export { redactUrl } from './db/url.js';
export { Distdb, type OpenOptions, type TypedOpenOptions } from './distdb.js';
export { DistdbError, type ErrorKind } from './errors.js';
export {
  type Order,
  OrderModel,
  type Product,
  ProductModel,
  SHOP_MODELS as MODELS,
  type User,
  UserModel,
} from './examples/shop/models.js';
export { shopSchema } from './examples/shop/schema.js';
export {
  STOCK_SHOP_MODELS,
  type StockedProduct,
  StockedProductModel,
  type StockOrder,
  StockOrderModel,
} from './examples/stock/models.js';
export { stockShopSchema } from './examples/stock/schema.js';
export { describeShards, type ShardDescription, type ShardedModel } from './inspect/describeShards.js';
export { MIGRATIONS, type Migration } from './migrations/migrations.js';
export type { DatabaseMigrations, MigrateResult } from './migrations/migrator.js';
export {
  type ColumnsOf,
  defineModel,
  type InferInput,
  type InferRecord,
  type ModelDeclaration,
  type RelationsOf,
} from './models/defineModel.js';
export { codePrecedence, type FailureCode, type Issue, RECORD_CODES } from './models/failureCodes.js';
export { type AnyField, type Field, f, type OnDelete } from './models/fields.js';
export type { AnyModel, FieldDef, FieldKind, Model } from './models/model.js';
export { toRecord } from './models/toRecord.js';
export { validateRecord } from './models/validate.js';
export type { FindOptions, Patch, RecordApi, WithRelations } from './queries/api.js';
export type { DatabaseFor, DatabaseOf } from './queries/database.js';
export type { DeleteOutcome } from './queries/remove.js';
export type { OrderBy } from './queries/select.js';
export type { Tx } from './queries/transaction.js';
export type { Condition, Where } from './queries/where.js';
export type { ReplicaHealth } from './replicas/replica.js';
export type { ReplicaStatus } from './replicas/replicaSet.js';
export type { ReadCounts } from './replicas/replicas.js';
export type { RunReport } from './reporting/report.js';
export { type ReshardOptions, type ReshardResult, reshard } from './reshard/reshard.js';
export type { MoveCheck, Verification } from './reshard/verify.js';
export type { Router, RoutingHints, Shards } from './routing/router.js';
export { RouterChain } from './routing/routerChain.js';
export {
  fnv1a64,
  jumpHash,
  type Sharding,
  type ShardingRule,
  type ShardRange,
  shardIndex,
  shardOf,
  shardRouter,
} from './routing/sharding.js';
export { tableRouter } from './routing/tableRouter.js';
export { type OwnedRun, RunStore, type RunSummary } from './runs/runStore.js';
export { canonicalDataset } from './simulation/datasets/canonical.js';
export type { Dataset } from './simulation/datasets/dataset.js';
export type {
  GeneratedRecord,
  GeneratorModule,
  GeneratorSpec,
  RecordGenerator,
} from './simulation/datasets/generator.js';
export { loadDatasetFile } from './simulation/datasets/loadDatasetFile.js';
export { resetModels, type SimulateOptions, type SimulateProgress, simulate } from './simulation/simulate.js';
export type { RecordOutcome } from './store/outcome.js';

/** Loads the configuration (see ConfigInput); the shop demo's schema where no models are given. */
export function loadConfig(input: ConfigInput = {}): Promise<DistdbConfig> {
  return loadGiven({ defaultSchema: shopSchema, ...input });
}

/** Opens a deployment (see Distdb); the shop demo's schema where no models are given. */
export function openDistdb<const M extends readonly AnyModel[] = readonly AnyModel[]>(
  options: TypedOpenOptions<M> = {},
): Promise<Distdb<DatabaseFor<M>>> {
  return Distdb.open({ defaultSchema: shopSchema, ...options });
}
