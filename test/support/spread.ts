import { serverDatabases } from './deployments.js';
import { POSTGRES_NODES, SERVERS, type ServerBackend, serverAvailable } from './servers.js';

/** A set of databases by alias on one kind of backend, and how to drop them. */
export interface SpreadBackend {
  readonly name: string;
  readonly available: boolean;
  urls(dir: string): Promise<{ urls: Record<string, string>; drop(): Promise<void> }>;
}

const mysql = SERVERS.find((s) => s.backend === 'mysql') as ServerBackend;

/**
 * The databases `on` names as SQLite files in the test's directory; and spread over the three
 * PostgreSQL servers and MariaDB: `on` lists the aliases of each, in that order.
 */
export function spreadBackends(on: readonly [string[], string[], string[], string[]]): SpreadBackend[] {
  const all = on.flat();
  return [
    {
      name: 'sqlite',
      available: true,
      urls: async (dir) => ({
        urls: Object.fromEntries(all.map((a) => [a, `sqlite:${dir}/${a}.db`])),
        drop: async () => {},
      }),
    },
    {
      name: 'three PostgreSQL servers and MariaDB',
      available: POSTGRES_NODES.every(serverAvailable) && serverAvailable(mysql),
      urls: async () => {
        const servers = [...POSTGRES_NODES.slice(0, 3), mysql];
        const parts: Awaited<ReturnType<typeof serverDatabases>>[] = [];
        for (const [i, aliases] of on.entries())
          parts.push(await serverDatabases(servers[i] as ServerBackend, aliases));
        const urls = Object.assign({}, ...parts.map(({ drop: _, ...u }) => u));
        return { urls, drop: async () => void (await Promise.all(parts.map((p) => p.drop()))) };
      },
    },
  ];
}
