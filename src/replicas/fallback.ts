import type { Connection, Row, SqlValue } from '../db/dialect.js';

/**
 * A replica's connection whose statements the primary answers when the replica fails them (it
 * stopped, say): no read fails because of a replica. Everything else is the replica's.
 */
export function withFallback(
  replica: Connection,
  primary: Connection,
  events: { answered(): void; failed(err: unknown): void },
): Connection {
  const runCompiled: Connection['runCompiled'] = async (sql, params) => {
    try {
      const result = await replica.runCompiled(sql, params);
      events.answered();
      return result;
    } catch (err) {
      events.failed(err);
      return primary.runCompiled(sql, params);
    }
  };
  const query = async <T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> => {
    try {
      const rows = await replica.query<T>(sql, params);
      events.answered();
      return rows;
    } catch (err) {
      events.failed(err);
      return primary.query<T>(sql, params);
    }
  };
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
