import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, runCli } from './support/cli.js';
import { ALIASES, serverDatabases, tempDir } from './support/deployments.js';
import { SERVERS, serverAvailable, TEST_PASSWORD } from './support/servers.js';

const pgServer = SERVERS[0] as (typeof SERVERS)[0];
const available = serverAvailable(pgServer);

describe.skipIf(!available)('CLI against PostgreSQL (DISTDB_<ALIAS>_URL)', () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  const cwd = tempDir('distdb-pgcli-');
  beforeAll(async () => {
    const made = await serverDatabases(pgServer, ALIASES);
    drop = made.drop;
    // The server checks the URL's password (scram-sha-256); it must never be shown.
    env = Object.fromEntries(ALIASES.map((a) => [`DISTDB_${a.toUpperCase()}_URL`, made[a] as string]));
  });
  afterAll(async () => drop?.());

  it('migrate, simulate --threads 16 and databases work, with the password shown as ***', () => {
    expect(runCli(['migrate'], { cwd, env }).code).toBe(0);
    const sim = runCli(['simulate', '--threads', '16', '--json'], { cwd, env });
    expect(sim.code).toBe(0);
    expect(JSON.parse(sim.stdout).totals.successRate).toBe(80);
    const dbs = runCli(['databases'], { cwd, env });
    expect(dbs.code).toBe(0);
    expect(dbs.stdout).toMatch(
      /users\s+postgres\s+postgres:\/\/\w+:\*\*\*@127\.0\.0\.1:\d+\/distdb_t_\w+_users\s+ok\s+2 applied, 0 pending\s+users 8/,
    );
    for (const out of [sim.stdout, sim.stderr, dbs.stdout, dbs.stderr]) {
      expect(out).not.toContain(TEST_PASSWORD);
      expect(out).not.toContain(encodeURIComponent(TEST_PASSWORD));
    }
  });

  it('resetting a server database needs --yes', () => {
    const refused = runCli(['reset', '--database', 'users'], { cwd, env });
    expect(refused.code).toBe(2);
    expect(expectOneLineError(refused)).toMatch(/refusing to empty users in database "users" .*pass --yes/);
    const done = runCli(['reset', '--database', 'users', '--yes'], { cwd, env });
    expect(done.stdout).toBe('emptied users: 8 rows removed\n');
  });

  it('an unreachable server: one line naming the alias and the redacted URL, exit 1, no run recorded as complete', () => {
    const bad = { ...env, DISTDB_ORDERS_URL: 'postgres://app:Pa55w0rd@127.0.0.1:1/orders' };
    const sim = runCli(['simulate', '--append'], { cwd, env: bad });
    expect(sim.code).toBe(1);
    expect(expectOneLineError(sim)).toBe(
      'distdb: error: database "orders": cannot connect to postgres://app:***@127.0.0.1:1/orders: connect ECONNREFUSED 127.0.0.1:1',
    );
    const dbs = runCli(['databases'], { cwd, env: bad });
    expect(dbs.code).toBe(1);
    expect(dbs.stdout).toMatch(
      /orders\s+postgres\s+postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/orders\s+unreachable\s+-\s+-\s+-\n/,
    );
    // The table stays as wide as its values; the reason is listed below it.
    const [table = '', reasons = ''] = dbs.stdout.split('\nunreachable:\n');
    const widest = Math.max(...table.split('\n').map((l) => l.length));
    expect(widest).toBeLessThan(
      Math.max(...table.split('\n').map((l) => l.replace(/unreachable|ok/, '').length)) + 12,
    );
    expect(reasons).toBe(
      '  database "orders": cannot connect to postgres://app:***@127.0.0.1:1/orders: connect ECONNREFUSED 127.0.0.1:1\n',
    );
    const runs = runCli(['runs', '--json'], { cwd, env });
    expect(JSON.parse(runs.stdout).map((r: { status: string }) => r.status)).toEqual(['completed']);
    for (const out of [sim.stderr, dbs.stdout, dbs.stderr]) expect(out).not.toContain('Pa55w0rd');
  });
});
