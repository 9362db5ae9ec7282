/**
 * Connection failures a user can act on say what to do: a database missing on its server says
 * how to create it, and a host that does not answer says it timed out and after how long.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, runCli } from '../support/cli.js';
import { tempDir } from '../support/deployments.js';
import { SERVERS, serverAvailable } from '../support/servers.js';

describe.each(SERVERS)('connecting to $backend', (server) => {
  it.skipIf(!serverAvailable(server))(
    'a database missing on the server: one line saying how to create it',
    () => {
      const r = runCli(['migrate', '--url', `users=${server.adminUrl}/distdb_no_such_db`], {
        cwd: tempDir(),
      });
      expect(r.code).toBe(1);
      expect(expectOneLineError(r)).toMatch(
        /^distdb: error: database "users": cannot connect to \w+:\/\/distdb:\*\*\*@127\.0\.0\.1:\d+\/distdb_no_such_db: database "distdb_no_such_db" does not exist on the server: create it first \(CREATE DATABASE distdb_no_such_db\)$/,
      );
    },
  );
});

describe('a host that accepts the connection and never answers', () => {
  let silent: Server;
  let port = 0;
  beforeAll(async () => {
    silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as { port: number }).port;
  });
  afterAll(() => silent.close());

  it.each(['postgres', 'mysql'])('%s: one line saying it timed out after connect_timeout', (scheme) => {
    const url = `${scheme}://app@127.0.0.1:${port}/shop?connect_timeout=1`;
    const started = Date.now();
    const r = runCli(['migrate', '--database', 'users', '--url', `users=${url}`], { cwd: tempDir() });
    expect(r.code).toBe(1);
    expect(expectOneLineError(r)).toBe(
      `distdb: error: database "users": cannot connect to ${url}: no answer within 1 s (connect_timeout): is the host reachable?`,
    );
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
