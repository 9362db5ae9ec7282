import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { findProgram } from './prerequisites.js';

/**
 * A PostgreSQL cluster of the test's own (Debian's pg_createcluster), so it can be stopped in
 * the middle of a run without disturbing the servers other suites use.
 */
export interface PgCluster {
  readonly name: string;
  readonly port: number;
  readonly adminUrl: string;
  start(): void;
  /** Makes it a streaming standby of `primary` (a base backup with `-R`), and starts it. */
  followOf(primary: PgCluster): void;
  /** Ends its recovery: a standby becomes a primary of its own, on a new timeline. */
  promote(): void;
  /** `pg_ctl stop -m immediate`: the server is gone at once, like a crash or a pulled cable. */
  stopImmediately(): void;
  drop(): void;
}

/** The newest PostgreSQL version Debian's postgresql-common has clusters of here. */
export function pgVersion(): string | undefined {
  if (!existsSync('/etc/postgresql')) return undefined;
  return readdirSync('/etc/postgresql')
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(a) - Number(b))
    .pop();
}

/** Why a dedicated cluster cannot be made here, or undefined when it can. */
export function clusterUnavailable(): string | undefined {
  for (const program of ['pg_createcluster', 'pg_ctlcluster', 'pg_dropcluster'])
    if (!findProgram(program)) return `${program} not found on PATH (Debian's postgresql-common)`;
  if (!pgVersion()) return 'no PostgreSQL version under /etc/postgresql';
  if (process.getuid?.() !== 0) return 'pg_createcluster needs root';
  return undefined;
}

async function freePort(from: number, to: number): Promise<number> {
  for (let port = from; port <= to; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in ${from}-${to}`);
}

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
}

/** A cluster of the test's own; `settings` go into its postgresql.conf. */
export async function createCluster(settings: Record<string, string> = {}): Promise<PgCluster> {
  const version = pgVersion() as string;
  const name = `dd_outage_${randomBytes(3).toString('hex')}`;
  const port = await freePort(5435 + Math.floor(Math.random() * 200), 5999);
  run('pg_createcluster', [
    version,
    name,
    '--port',
    String(port),
    '--start-conf',
    'manual',
    ...Object.entries(settings).flatMap(([k, v]) => ['-o', `${k}=${v}`]),
    '--',
    '--auth=trust',
  ]);
  const ctl = (action: string, ...extra: string[]) =>
    run('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, action, ...extra]);
  const cluster: PgCluster = {
    name,
    port,
    adminUrl: `postgres://postgres@127.0.0.1:${port}`,
    start: () => ctl('start'),
    followOf(primary) {
      ctl('stop', '-m', 'immediate');
      const data = `/var/lib/postgresql/${version}/${name}`;
      rmSync(data, { recursive: true, force: true });
      run('install', ['-d', '-o', 'postgres', '-g', 'postgres', '-m', '700', data]);
      const backup = ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', data];
      run('runuser', [
        '-u',
        'postgres',
        '--',
        'pg_basebackup',
        ...backup,
        '-R',
        '-X',
        'stream',
        '-c',
        'fast',
      ]);
      ctl('start');
    },
    promote: () => ctl('promote'),
    stopImmediately: () => ctl('stop', '-m', 'immediate'),
    drop: () => {
      try {
        ctl('stop', '-m', 'immediate');
      } catch {
        // already stopped
      }
      run('pg_dropcluster', [version, name]);
    },
  };
  try {
    cluster.start();
  } catch (err) {
    cluster.drop();
    throw err;
  }
  return cluster;
}
