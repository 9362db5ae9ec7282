import type { Connection } from '../db/dialect.js';
import { openConnection } from '../db/open.js';
import { parseDatabaseUrl, redactUrl } from '../db/url.js';
import { DistdbError, databaseError, namedAfter } from '../errors.js';
import { registerSecrets } from '../secrets.js';
import type { WorkerInit } from './messages.js';

/**
 * A worker's databases: it opens its own connections, one per database it touches, retries
 * transient failures a bounded number of times, and names the databases a failure involved.
 */
export class WorkerDatabases {
  readonly #connections = new Map<string, Promise<Connection>>();

  constructor(private readonly init: WorkerInit) {}

  connection(alias: string | undefined): Promise<Connection> {
    if (alias === undefined) throw new Error('no database routed');
    let conn = this.#connections.get(alias);
    if (!conn) {
      const raw = this.init.databases[alias];
      if (raw === undefined) throw new Error(`unknown database ${alias}`);
      const url = parseDatabaseUrl(raw, `database "${alias}"`);
      registerSecrets(url.secrets);
      const { cacheKb, sharedWriter } = this.init;
      conn = openConnection(url, { poolSize: 1, cacheKb, sharedWriter }).catch((err: unknown) => {
        throw namedAfter(alias, err);
      });
      this.#connections.set(alias, conn);
    }
    return conn;
  }

  /** Bounded retries of transient failures (deadlock, serialization, busy, connection reset). */
  async retrying<T>(conn: Connection, retries: { count: number }, step: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await step();
      } catch (err) {
        if (retries.count >= this.init.maxRetries || !conn.dialect.isTransient(err)) throw err;
        retries.count++;
        await new Promise((r) => setTimeout(r, 10 * 2 ** Math.min(retries.count, 7)));
      }
    }
  }

  /** A driver error as a one-line message naming the database(s) involved, URL redacted. */
  inDatabases(aliases: readonly string[], err: unknown): unknown {
    if (err instanceof DistdbError) return err;
    const databases = [...new Set(aliases)].map((alias) => {
      const raw = this.init.databases[alias];
      return { alias, url: raw === undefined ? '?' : redactUrl(raw).redacted };
    });
    return databaseError(databases, err);
  }

  async close(): Promise<void> {
    const open = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all(open.map(async (c) => (await c.catch(() => undefined))?.close()));
  }
}
