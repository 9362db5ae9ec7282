import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Distdb, openDistdb } from 'distdb';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { SERVERS, type ServerBackend, serverAvailable } from './servers.js';

export const ALIASES = ['default', 'users', 'products', 'orders'] as const;

/** A throwaway set of databases (one per alias) and how to remove it. */
export interface Deployment {
  readonly name: string;
  readonly urls: Record<string, string>;
  readonly dir: string;
  cleanup(): Promise<void>;
}

export function tempDir(prefix = 'distdb-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function sqliteUrls(dir: string): Record<string, string> {
  return Object.fromEntries(ALIASES.map((a) => [a, `sqlite:${join(dir, `${a}.db`)}`]));
}

export function sqliteDeployment(): Deployment {
  const dir = tempDir();
  return {
    name: 'sqlite',
    urls: sqliteUrls(dir),
    dir,
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

function uniqueName(alias: string): string {
  return `distdb_t_${randomBytes(4).toString('hex')}_${alias}`;
}

/** Creates databases on a server (unique names per test run) and drops them on cleanup. */
export async function serverDatabases(
  server: ServerBackend,
  aliases: readonly string[],
): Promise<Record<string, string> & { drop(): Promise<void> }> {
  const names = Object.fromEntries(aliases.map((a) => [a, uniqueName(a)]));
  if (server.backend === 'postgres') {
    const admin = new pg.Client({ connectionString: `${server.adminUrl}/postgres` });
    await admin.connect();
    for (const n of Object.values(names)) await admin.query(`CREATE DATABASE ${n}`);
    await admin.end();
  } else {
    const admin = await mysql.createConnection(server.adminUrl);
    for (const n of Object.values(names)) await admin.query(`CREATE DATABASE ${n}`);
    await admin.end();
  }
  const urls: Record<string, string> = Object.fromEntries(
    aliases.map((a) => [a, `${server.adminUrl}/${names[a]}`]),
  );
  const drop = async () => {
    if (server.backend === 'postgres') {
      const admin = new pg.Client({ connectionString: `${server.adminUrl}/postgres` });
      await admin.connect();
      for (const n of Object.values(names)) await admin.query(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`);
      await admin.end();
    } else {
      const admin = await mysql.createConnection(server.adminUrl);
      for (const n of Object.values(names)) await admin.query(`DROP DATABASE IF EXISTS ${n}`);
      await admin.end();
    }
  };
  return Object.assign(urls, { drop });
}

export async function serverDeployment(server: ServerBackend): Promise<Deployment> {
  const dbs = await serverDatabases(server, ALIASES);
  const { drop, ...urls } = dbs;
  return { name: server.backend, urls, dir: tempDir(), cleanup: drop };
}

/** Every backend available here: SQLite always, servers when reachable (required under CI). */
export interface BackendCase {
  readonly name: string;
  readonly available: boolean;
  create(): Promise<Deployment>;
}

export function backendCases(): BackendCase[] {
  return [
    { name: 'sqlite', available: true, create: async () => sqliteDeployment() },
    ...SERVERS.map((s) => ({
      name: s.backend,
      available: serverAvailable(s),
      create: () => serverDeployment(s),
    })),
  ];
}

/**
 * A fresh deployment of `backend`, opened before the describe block's tests and closed and
 * removed after them (nothing happens when the backend is not available).
 */
export function useDeployment(
  backend: BackendCase,
  migrate = false,
): { db: () => Distdb; deployment: () => Deployment } {
  let deployment: Deployment | undefined;
  let db: Distdb | undefined;
  beforeAll(async () => {
    if (!backend.available) return;
    deployment = await backend.create();
    db = await openDistdb({ urls: deployment.urls, env: {}, cwd: deployment.dir });
    if (migrate) await db.migrate();
  });
  afterAll(async () => {
    await db?.close();
    await deployment?.cleanup();
  });
  return { db: () => db as Distdb, deployment: () => deployment as Deployment };
}
