/**
 * Issue item 10: the data directory and the database files distdb creates are readable by their
 * owner only: directories 0700, files 0600, SQLite's -wal and -shm included, whatever the umask.
 */
import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/deployments.js';
import { runCliAsync, sleep, startCli } from '../support/processes.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function fresh(): string {
  const d = tempDir('distdb-files-');
  dirs.push(d);
  return d;
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');

/** Mode of every directory and file under (and including) `root`. */
function modes(root: string): Record<string, string> {
  const out: Record<string, string> = { [root]: mode(root) };
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (statSync(path).isDirectory()) Object.assign(out, modes(path));
    else out[path] = mode(path);
  }
  return out;
}

function expectOwnerOnly(root: string) {
  const found = modes(root);
  const want = Object.fromEntries(
    Object.keys(found).map((p) => [p, statSync(p).isDirectory() ? '0700' : '0600']),
  );
  expect(found).toEqual(want);
}

describe.each(['022', '000'])('with umask %s', (umask) => {
  it('simulate creates data/ 0700 and every database file 0600', async () => {
    const cwd = fresh();
    const r = await runCliAsync(['simulate', '--json'], { cwd, umask });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(cwd, 'data')).filter((f) => f.endsWith('.db'))).toHaveLength(4);
    expectOwnerOnly(join(cwd, 'data'));
  });

  it('-wal and -shm files, caught while a run is in progress, are 0600', async () => {
    const cwd = fresh();
    const running = startCli(
      ['simulate', '--dataset', 'generated', '--records', '30000', '--threads', '4', '--no-progress'],
      { cwd, umask },
    );
    const wal = join(cwd, 'data', 'users.db-wal');
    const shm = join(cwd, 'data', 'users.db-shm');
    let exited = false;
    void running.done.then(() => {
      exited = true;
    });
    // SQLite makes the two one after the other: a busy machine can come between them.
    const both = () => existsSync(wal) && existsSync(shm);
    for (const t = Date.now(); !exited && !both() && Date.now() - t < 30_000; ) await sleep(10);
    running.child.kill('SIGKILL');
    await running.done;
    const files = readdirSync(join(cwd, 'data'));
    expect(files.some((f) => f.endsWith('-wal'))).toBe(true);
    expect(files.some((f) => f.endsWith('-shm'))).toBe(true);
    expectOwnerOnly(join(cwd, 'data'));
  });

  it('directories created for a configured path are 0700 too (nested, absolute)', async () => {
    const cwd = fresh();
    const abs = join(cwd, 'abs', 'place');
    const r = await runCliAsync(
      [
        'migrate',
        '--url',
        'users=sqlite:./deep/er/users.db',
        '--url',
        `orders=sqlite:${join(abs, 'orders.db')}`,
      ],
      { cwd, umask },
    );
    expect(r.code, r.stderr).toBe(0);
    expectOwnerOnly(join(cwd, 'deep'));
    expectOwnerOnly(join(cwd, 'abs'));
    expectOwnerOnly(join(cwd, 'data'));
  });
});

describe('files distdb did not create keep their mode', () => {
  it('a file that is not a database, given as one: refused by name, mode and content untouched', async () => {
    const cwd = fresh();
    const other = join(cwd, 'other.txt');
    writeFileSync(other, 'not a database\n', { mode: 0o644 });
    chmodSync(other, 0o644);
    const link = join(cwd, 'link.db');
    symlinkSync(other, link);
    for (const path of [other, link]) {
      const r = await runCliAsync(['databases', '--url', `users=sqlite:${path}`], { cwd });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/database "users".*not a database/);
      expect(mode(other)).toBe('0644');
      expect(readFileSync(other, 'utf8')).toBe('not a database\n');
    }
  });

  it('an existing database file keeps the mode its owner gave it', async () => {
    const cwd = fresh();
    expect((await runCliAsync(['migrate'], { cwd })).code).toBe(0);
    const users = join(cwd, 'data', 'users.db');
    chmodSync(users, 0o640);
    const r = await runCliAsync(['simulate', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(mode(users)).toBe('0640');
  });
});
