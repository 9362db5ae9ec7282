import { DistdbError, namedAfter } from '../errors.js';
import type { Connection } from './dialect.js';
import { openConnection } from './open.js';
import { dialectFor } from './registry.js';
import type { DatabaseUrl } from './url.js';

/** A deployment's databases by alias, each connected on first use and kept until `close()`. */
export class Connections {
  readonly #open = new Map<string, Promise<Connection>>();
  #closed = false;

  constructor(
    private readonly urls: Readonly<Record<string, DatabaseUrl>>,
    private readonly checkAlias: (alias: string) => string,
  ) {}

  get(alias: string): Promise<Connection> {
    if (this.#closed)
      return Promise.reject(new DistdbError('usage', 'this distdb is closed: open another one to go on'));
    this.checkAlias(alias);
    let conn = this.#open.get(alias);
    if (!conn) {
      const url = this.urls[alias];
      if (!url) throw new DistdbError('usage', `unknown database alias "${alias}"`);
      conn = openConnection(url).catch((err: unknown) => {
        throw namedAfter(alias, err);
      });
      // A failed connect is not cached: the next call tries again.
      conn.catch(() => this.#open.delete(alias));
      this.#open.set(alias, conn);
    }
    return conn;
  }

  /** Whether the database of `alias` exists; asking never creates it. */
  async exists(alias: string): Promise<boolean> {
    this.checkAlias(alias);
    if (this.#open.has(alias)) return true;
    const url = this.urls[alias];
    if (!url) return false;
    const dialect = await dialectFor(url);
    return dialect.exists?.(url) ?? true;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const conns = [...this.#open.values()];
    this.#open.clear();
    await Promise.all(conns.map(async (c) => (await c.catch(() => undefined))?.close()));
  }
}
