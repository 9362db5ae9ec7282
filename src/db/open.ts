import type { Connection, ConnectOptions } from './dialect.js';
import { dialectFor } from './registry.js';
import { whileRefused } from './retry.js';
import type { DatabaseUrl } from './url.js';

/** Connects to a database (see whileRefused). */
export async function openConnection(url: DatabaseUrl, options?: ConnectOptions): Promise<Connection> {
  const dialect = await dialectFor(url);
  return whileRefused(dialect, () => dialect.connect(url, options));
}
