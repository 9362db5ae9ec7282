import type { DatabaseUrl } from '../db/url.js';
import type { AnyModel } from '../models/model.js';
import type { Router } from '../routing/router.js';
import type { Sharding } from '../routing/sharding.js';
import type { ReplicaSetting } from './replicasConfig.js';

/**
 * An application's schema: its models, where their migrations are kept, and optionally how to
 * generate test records for them and a fixed sample dataset.
 */
export interface Schema {
  readonly models: readonly AnyModel[];
  /** Folder of the migration files. */
  readonly migrations: string;
  /** URL of a module generating records (see simulation/datasets/generator); default: from the fields. */
  readonly generator?: string;
  /** Records of `--dataset canonical`, keyed by table. */
  readonly canonical?: Readonly<Record<string, readonly unknown[]>>;
}

export interface DistdbConfig extends Schema {
  /** Alias → database URL. */
  readonly databases: Readonly<Record<string, DatabaseUrl>>;
  /** Model label → alias, for the default table router. */
  readonly routes: Readonly<Record<string, string>>;
  /** Routers consulted before the shard and table routers (from a JS config file or code). */
  readonly routers: readonly Router[];
  /** Model label → how it is spread over databases (checked). */
  readonly sharding: Sharding;
  /** Database alias → its read replicas (checked). */
  readonly replicas: Readonly<Record<string, ReplicaSetting>>;
  /** Where each database URL came from: flag, env, file or default. */
  readonly origins: Readonly<Record<string, 'flag' | 'env' | 'file' | 'default'>>;
  readonly configFile?: string;
}

export interface ConfigInput {
  /** Explicit config file (`--config`). */
  readonly configPath?: string;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Alias → URL given on the command line; highest precedence. */
  readonly urls?: Readonly<Record<string, string>>;
  /** Routers added in code, consulted before any others. */
  readonly routers?: readonly Router[];
  /** Config given in code instead of a file. */
  readonly databases?: Readonly<Record<string, string>>;
  readonly routes?: Readonly<Record<string, string>>;
  /** Model label → sharding rule; replaces the config file's section when given. */
  readonly sharding?: Readonly<Record<string, unknown>>;
  /** Database alias → replica URLs (or `{urls, maxLagMs, waitMs}`); replaces the file's section when given. */
  readonly replicas?: Readonly<Record<string, unknown>>;
  /** The application's models (else the config file's, else `defaultSchema`). */
  readonly models?: readonly AnyModel[];
  /**
   * The schema used where neither code nor the config file gives models. The package's entry
   * points (`openDistdb`, `loadConfig`, the CLI) give the shop demo's.
   */
  readonly defaultSchema?: Schema;
  /** Folder of the migration files (default `./migrations`). */
  readonly migrations?: string;
}

/**
 * The configuration with secrets removed, as stored with runs and shown in reports; `sharding`
 * is the rules in force (the layouts reshards published), which a resumed run must find again.
 */
export function publicConfig(
  config: DistdbConfig,
  sharding: Sharding = config.sharding,
): {
  databases: Record<string, string>;
  routes: Record<string, string>;
  sharding?: Sharding;
} {
  return {
    databases: Object.fromEntries(Object.entries(config.databases).map(([a, u]) => [a, u.redacted])),
    routes: { ...config.routes },
    ...(Object.keys(sharding).length > 0 ? { sharding } : {}),
  };
}
