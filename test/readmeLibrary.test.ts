import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/deployments.js';
import { cleanEnv } from './support/processes.js';

const dir = tempDir('distdb-readme-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The README's Library example, as a user copies it, with a few checks appended. */
function libraryExample(): string {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Library\n'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error('README: no code in the Library section');
  const distdb = pathToFileURL(join(process.cwd(), 'dist', 'index.js')).href;
  return `${code.replace("from 'distdb'", `from '${distdb}'`)}
console.log(JSON.stringify({ posts, post, n, top }));
`;
}

describe("the README's Library example", () => {
  it('runs as written and gives what its comments say', () => {
    const file = join(dir, 'example.mjs');
    writeFileSync(file, libraryExample());
    const r = spawnSync(process.execPath, [file], { cwd: dir, env: cleanEnv(), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
    expect(out.posts).toEqual([
      {
        id: 1,
        author_id: 1,
        title: 'Hello',
        score: 10,
        author: { id: 1, name: 'Ann', email: 'ann@example.com' },
      },
    ]);
    expect(out.n).toBe(1);
    expect(out.top).toEqual([{ author_id: 1 }]);
  });
});
