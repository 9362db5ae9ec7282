/**
 * Database URLs are shown as given unless they hold a secret: `postgres://user@host/db` has no
 * password to hide. A mistyped `--url` must not echo the password it holds, and flag errors read
 * like every other distdb error.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLineError, runCli } from '../support/cli.js';
import { serverDatabases, tempDir } from '../support/deployments.js';
import { withRaw } from '../support/rawdb.js';
import { POSTGRES_NODES, serverAvailable } from '../support/servers.js';

const trustServer = POSTGRES_NODES[0] as (typeof POSTGRES_NODES)[0];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe('URLs without a password', () => {
  it('are shown as given by databases, even when unreachable', () => {
    const r = runCli(['databases', '--json', '--url', 'users=postgres://app@127.0.0.1:1/shop'], {
      cwd: tempDir('distdb-urls-'),
    });
    expect(r.code).toBe(1);
    const users = JSON.parse(r.stdout).find((d: { alias: string }) => d.alias === 'users');
    expect(users.url).toBe('postgres://app@127.0.0.1:1/shop');
    expect(r.stderr).toContain('postgres://app@127.0.0.1:1/shop');
  });

  it.skipIf(!serverAvailable(trustServer))(
    'are stored as given in run history and shown so in reports',
    async () => {
      const made = await serverDatabases(trustServer, ['users']);
      cleanups.push(() => made.drop());
      const url = made.users as string;
      expect(url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/distdb_t_\w+$/);
      const cwd = tempDir('distdb-urls-');
      const sim = runCli(['simulate', '--json', '--url', `users=${url}`], { cwd });
      expect(sim.code, sim.stderr).toBe(0);
      expect(JSON.parse(sim.stdout).config.databases.users).toBe(url);
      const md = runCli(['report', 'latest', '--format', 'md'], { cwd });
      expect(md.stdout).toContain(url.replace(/_/g, '\\_'));
      const [row] = await withRaw(`sqlite:${cwd}/data/default.db`, (db) =>
        db.query('SELECT config FROM distdb_runs'),
      );
      expect(JSON.parse(String(row?.config)).databases.users).toBe(url);
    },
  );
});

describe('a mistyped --url', () => {
  it('is one line that does not show its password, exit 2', () => {
    const r = runCli(['databases', '--url', 'users:mysql://u:Sup3rSecret@db.example/shop'], {
      cwd: tempDir('distdb-urls-'),
    });
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toBe(
      'distdb: error: --url: expected ALIAS=URL, got "users:***@db.example/shop"',
    );
    expect(r.stdout + r.stderr).not.toMatch(/Sup3rSecret/);
  });

  it('flag errors are in the same style as every other error', () => {
    const r = runCli(['simulate', '--bogus'], { cwd: tempDir('distdb-urls-') });
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toBe("distdb: error: unknown option '--bogus'");
  });
});
