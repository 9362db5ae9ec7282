/**
 * Replicas as configured: each mistake is one line naming where it is, secrets never shown; the
 * environment's list replaces the file's; a database whose backend distdb reads no replicas of is
 * refused rather than read as if it had none.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DistdbError, defineModel, f, openDistdb } from 'distdb';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLineError, runCli } from './support/cli.js';
import { tempDir } from './support/deployments.js';

const dir = tempDir('distdb-replica-config-');
const Note = defineModel({ name: 'Note', table: 'notes', fields: { id: f.id(), body: f.text() } });
const PRIMARY = 'postgres://app:hunter2@db-primary:5432/notes';
const databases = {
  default: `sqlite:${join(dir, 'default.db')}`,
  notes: PRIMARY,
  local: `sqlite:${join(dir, 'l.db')}`,
};
const opened: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const db of opened) await db.close();
});

async function open(replicas: Record<string, unknown> | undefined, env: Record<string, string> = {}) {
  const db = await openDistdb({
    models: [Note],
    databases,
    routes: { Note: 'notes' },
    replicas,
    env,
    cwd: dir,
  });
  opened.push(db);
  return db;
}

async function problem(replicas: Record<string, unknown>, env: Record<string, string> = {}): Promise<string> {
  const err = await open(replicas, env).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DistdbError);
  expect((err as DistdbError).kind).toBe('config');
  const message = (err as DistdbError).message;
  expect(message).not.toContain('hunter2');
  expect(message).not.toContain('\n');
  return message;
}

describe('replicas configuration', () => {
  it('takes a list of URLs, or {urls, maxLagMs, waitMs}, without connecting', async () => {
    const db = await open({
      notes: ['postgres://app:hunter2@db-r1/notes', 'postgres://app:hunter2@db-r2/notes'],
    });
    expect(db.config.replicas.notes?.urls.map((u) => u.redacted)).toEqual([
      'postgres://app:***@db-r1/notes',
      'postgres://app:***@db-r2/notes',
    ]);
    expect(db.config.replicas.notes).toMatchObject({ maxLagMs: 1000, waitMs: 0 });
    const tuned = await open({ notes: { urls: ['postgres://db-r1/notes'], maxLagMs: 250, waitMs: 50 } });
    expect(tuned.config.replicas.notes).toMatchObject({ maxLagMs: 250, waitMs: 50 });
  });

  it('DISTDB_<ALIAS>_REPLICA_URLS (comma-separated) replaces the configured list', async () => {
    const db = await open(
      { notes: { urls: ['postgres://db-r1/notes'], maxLagMs: 300 } },
      { DISTDB_NOTES_REPLICA_URLS: 'postgres://db-r8/notes, postgres://db-r9/notes' },
    );
    expect(db.config.replicas.notes?.urls.map((u) => u.redacted)).toEqual([
      'postgres://db-r8/notes',
      'postgres://db-r9/notes',
    ]);
    expect(db.config.replicas.notes?.maxLagMs).toBe(300);
    // Only for configured databases: the variable of an unknown alias is someone else's.
    const other = await open(undefined, { DISTDB_ELSEWHERE_REPLICA_URLS: 'postgres://x/y' });
    expect(other.config.replicas).toEqual({});
  });

  it.each([
    [{ nowhere: ['postgres://db-r1/notes'] }, /replicas\.nowhere: unknown database "nowhere" \(configured: /],
    [
      { local: ['sqlite:./r.db'] },
      /replicas\.local\.urls: sqlite:.* is a sqlite database, which distdb reads no replicas of \(PostgreSQL and MariaDB only\)/,
    ],
    [
      { notes: ['mysql://app:hunter2@db-r1/notes'] },
      /replicas\.notes\.urls\[0\]: mysql:\/\/app:\*\*\*@db-r1\/notes is not a postgres URL, as its primary postgres:\/\/app:\*\*\*@db-primary:5432\/notes is/,
    ],
    [{ notes: [] }, /replicas\.notes\.urls must be a non-empty list of database URLs, got an array/],
    [
      { notes: 'postgres://db-r1/notes' },
      /replicas\.notes must be a list of URLs or \{urls, maxLagMs, waitMs\}, got a string/,
    ],
    [{ notes: [42] }, /replicas\.notes\.urls\[0\] must be a database URL, got a number/],
    [
      { notes: { urls: ['postgres://db-r1/notes'], maxLagMs: -1 } },
      /replicas\.notes\.maxLagMs must be a number of milliseconds \(0 or more\), got a number/,
    ],
    [
      { notes: { urls: ['postgres://db-r1/notes'], lag: 5 } },
      /replicas\.notes: unknown key "lag" \(allowed: urls, maxLagMs, waitMs\)/,
    ],
  ])('refuses %j with one line naming where', async (replicas, expected) => {
    expect(await problem(replicas)).toMatch(expected);
  });

  it('a config file names the same mistakes, and the CLI says them in one line', () => {
    writeFileSync(
      join(dir, 'distdb.config.json'),
      JSON.stringify({
        databases: { notes: PRIMARY },
        replicas: { notes: ['mysql://app:hunter2@db-r1/notes'] },
      }),
    );
    const r = runCli(['routes'], { cwd: dir, env: {} });
    expect(r.code).not.toBe(0);
    expect(expectOneLineError(r)).toMatch(
      /replicas\.notes\.urls\[0\]: mysql:\/\/app:\*\*\*@db-r1\/notes is not a postgres URL/,
    );
    expect(r.stderr).not.toContain('hunter2');
  });
});
