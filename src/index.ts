export type { ConfigInput, DistdbConfig } from './config/config.js';
export { loadConfig } from './config/loadConfig.js';
export type { Connection, Dialect, HeldLock, Row, RowWrite, SqlValue } from './db/dialect.js';
export { redactUrl } from './db/url.js';
export { Distdb, type OpenOptions, openDistdb, toRecord } from './distdb.js';
export { DistdbError, type ErrorKind } from './errors.js';
export { MIGRATIONS, type Migration } from './migrations/migrations.js';
export type { DatabaseMigrations, MigrateResult } from './migrations/migrator.js';
export { FAILURE_CODES, type FailureCode, type Issue } from './models/failureCodes.js';
export type { FieldDef, Model } from './models/model.js';
export {
  MODELS,
  type Order,
  OrderModel,
  type Product,
  ProductModel,
  type User,
  UserModel,
} from './models/models.js';
export { validateRecord } from './models/validate.js';
export type { RunReport } from './reporting/report.js';
export type { Router, RoutingHints } from './routing/router.js';
export { RouterChain } from './routing/routerChain.js';
export { tableRouter } from './routing/tableRouter.js';
export { type OwnedRun, RunStore, type RunSummary } from './runs/runStore.js';
export { canonicalDataset } from './simulation/datasets/canonical.js';
export type { Dataset } from './simulation/datasets/dataset.js';
export { loadDatasetFile } from './simulation/datasets/loadDatasetFile.js';
export { resetModels, type SimulateOptions, type SimulateProgress, simulate } from './simulation/simulate.js';
export type { RecordOutcome } from './store/outcome.js';
