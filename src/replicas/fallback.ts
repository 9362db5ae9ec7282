import type { Connection, Row, SqlValue } from '../db/dialect.js';
import { withTimeout } from './replica.js';

/** A replica's statement taking longer than this is run on the primary instead (the replica may hang). */
export const STATEMENT_TIMEOUT_MS = 5000;

/**
 * A replica's connection whose statements the primary answers when the replica fails them (it
 * stopped, say, or does not answer within STATEMENT_TIMEOUT_MS): no read fails because of a
 * replica. The replica is blamed only when the primary then answers: a statement that fails on
 * both is the statement's own fault. Everything else is the replica's connection.
 */
export function withFallback(
  replica: Connection,
  primary: Connection,
  events: { answered(): void; failed(err: unknown): void },
): Connection {
  async function either<T>(onReplica: () => Promise<T>, onPrimary: () => Promise<T>): Promise<T> {
    let failure: unknown;
    try {
      const result = await withTimeout(onReplica(), STATEMENT_TIMEOUT_MS, 'replica read');
      events.answered();
      return result;
    } catch (err) {
      failure = err;
    }
    const result = await onPrimary();
    events.failed(failure);
    return result;
  }
  const runCompiled: Connection['runCompiled'] = (sql, params) =>
    either(
      () => replica.runCompiled(sql, params),
      () => primary.runCompiled(sql, params),
    );
  const query = <T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> =>
    either(
      () => replica.query<T>(sql, params),
      () => primary.query<T>(sql, params),
    );
  return new Proxy(replica, {
    get(target, key) {
      if (key === 'runCompiled') return runCompiled;
      if (key === 'query') return query;
      const value = Reflect.get(target, key, target);
      // The connection's methods use its private fields: they run on it, not on the proxy.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
