import { execFileSync } from 'node:child_process';

/** Server backends the contract suites run against when reachable (always under CI=true). */
export interface ServerBackend {
  readonly backend: 'postgres' | 'mysql';
  /** Admin URL without database, e.g. postgres://postgres@127.0.0.1:5432 */
  readonly adminUrl: string;
}

/**
 * The password .ci/servers.sh gives the `distdb` user on both servers. The suites connect with
 * it, as real deployments do: trust authentication would accept any password, or none.
 */
export const TEST_PASSWORD = 's3cr3t@Pw:%x';
const credentials = `distdb:${encodeURIComponent(TEST_PASSWORD)}`;

export const SERVERS: readonly ServerBackend[] = [
  {
    backend: 'postgres',
    adminUrl: process.env.DISTDB_TEST_POSTGRES_URL ?? `postgres://${credentials}@127.0.0.1:5435`,
  },
  {
    backend: 'mysql',
    adminUrl: process.env.DISTDB_TEST_MYSQL_URL ?? `mysql://${credentials}@127.0.0.1:3306`,
  },
];

const reachable = new Map<string, boolean>();

function shown(url: string): string {
  return url.replace(/:[^:@/]*@/, ':***@');
}

/** Checked with a child process so the answer is synchronous (usable in describe.skipIf). */
export function serverAvailable(s: ServerBackend): boolean {
  const known = reachable.get(s.adminUrl);
  if (known !== undefined) return known;
  let ok = false;
  try {
    execFileSync(process.execPath, ['--input-type=module', '-e', probeScript(s)], {
      stdio: 'ignore',
      timeout: 15_000,
    });
    ok = true;
  } catch {
    ok = false;
  }
  if (!ok && process.env.CI === 'true') {
    throw new Error(`CI=true but the ${s.backend} server at ${shown(s.adminUrl)} is not reachable`);
  }
  reachable.set(s.adminUrl, ok);
  return ok;
}

function probeScript(s: ServerBackend): string {
  const url = JSON.stringify(s.adminUrl);
  return s.backend === 'postgres'
    ? `import pg from 'pg'; const c = new pg.Client({connectionString: ${url} + '/postgres'}); await c.connect(); await c.end();`
    : `import m from 'mysql2/promise'; const c = await m.createConnection(${url}); await c.end();`;
}

export async function describeServers(): Promise<string[]> {
  return [...SERVERS, ...POSTGRES_NODES].map((s) =>
    serverAvailable(s)
      ? `[distdb tests] ${s.backend}: running server suites against ${shown(s.adminUrl)}`
      : `[distdb tests] NOTICE: ${s.backend} server not reachable at ${shown(s.adminUrl)}: its suites are SKIPPED (set CI=true to make this a failure)`,
  );
}

/** The three local PostgreSQL servers .ci/servers.sh starts, for the three-server deployment. */
export const POSTGRES_NODES: readonly ServerBackend[] = (
  process.env.DISTDB_TEST_POSTGRES_NODES ??
  'postgres://postgres@127.0.0.1:5432,postgres://postgres@127.0.0.1:5433,postgres://postgres@127.0.0.1:5434'
)
  .split(',')
  .map((adminUrl) => ({ backend: 'postgres' as const, adminUrl }));
