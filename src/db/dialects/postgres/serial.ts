import type pg from 'pg';

/** The last statement sent on each checked-out client: the next one is sent once it ends. */
const running = new WeakMap<pg.PoolClient, Promise<void>>();

/**
 * `send` (a query on `client`), once every statement sent on `client` before it has ended: one
 * statement at a time per session, as the server runs them, whoever sends them (callers sharing
 * a transaction, Kysely on it). pg itself no longer takes a query while one runs.
 */
export function serialQuery<R>(client: pg.PoolClient, send: () => Promise<R>): Promise<R> {
  const sent = (running.get(client) ?? Promise.resolve()).then(send);
  running.set(
    client,
    sent.then(
      () => undefined,
      () => undefined,
    ),
  );
  return sent;
}
