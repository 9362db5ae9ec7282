import type { DatabaseUrl } from '../db/url.js';
import type { Router } from '../routing/router.js';

export interface DistdbConfig {
  /** Alias → database URL. */
  readonly databases: Readonly<Record<string, DatabaseUrl>>;
  /** Model label → alias, for the default table router. */
  readonly routes: Readonly<Record<string, string>>;
  /** Routers consulted before the table router (from a JS config file or code). */
  readonly routers: readonly Router[];
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
}

/** The configuration with secrets removed, as stored with runs and shown in reports. */
export function publicConfig(config: DistdbConfig): {
  databases: Record<string, string>;
  routes: Record<string, string>;
} {
  return {
    databases: Object.fromEntries(Object.entries(config.databases).map(([a, u]) => [a, u.redacted])),
    routes: { ...config.routes },
  };
}
