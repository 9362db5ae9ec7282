import { DistdbError } from '../errors.js';
import type { Dialect } from './dialect.js';
import { sqliteDialect } from './dialects/sqlite/index.js';
import type { DatabaseUrl } from './url.js';

/**
 * Scheme → dialect. The only place URL schemes are looked at. Server dialects are loaded on
 * first use so that an embedded-only run never loads their drivers.
 */
const loaders: Record<string, () => Promise<Dialect>> = {
  sqlite: async () => sqliteDialect,
  postgres: async () => (await import('./dialects/postgres/index.js')).postgresDialect,
  postgresql: async () => (await import('./dialects/postgres/index.js')).postgresDialect,
  mysql: async () => (await import('./dialects/mysql/index.js')).mysqlDialect,
  mariadb: async () => (await import('./dialects/mysql/index.js')).mysqlDialect,
};

export function isSupportedScheme(scheme: string): boolean {
  return Object.hasOwn(loaders, scheme);
}

export function supportedSchemes(): string[] {
  return Object.keys(loaders);
}

export async function dialectFor(url: DatabaseUrl): Promise<Dialect> {
  const load = loaders[url.scheme];
  if (!load) {
    throw new DistdbError(
      'config',
      `unsupported database URL scheme "${url.scheme}:" in ${url.redacted} (supported: ${supportedSchemes().join(', ')})`,
    );
  }
  return load();
}
