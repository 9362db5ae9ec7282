import { rmSync } from 'node:fs';
import { openDistdb, type RunReport } from 'distdb';
import { afterAll, describe, expect, it } from 'vitest';
import { createModelTables, writeBlogConfig } from './support/blogConfig.js';
import { BLOG_MODELS } from './support/blogSchema.js';
import { runCli } from './support/cli.js';
import { tempDir } from './support/deployments.js';

const dir = tempDir('distdb-blog-cli-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the blog as a config file', () => {
  it('declares the same models as the schema module, and the CLI simulates it with no mismatch', async () => {
    writeBlogConfig(dir);
    const db = await openDistdb({ cwd: dir, env: {} });
    try {
      expect(JSON.parse(JSON.stringify(db.models))).toEqual(JSON.parse(JSON.stringify(BLOG_MODELS)));
      expect(new Set(db.models.map((m) => db.writeAlias(m))).size).toBe(3);
      await createModelTables(db);
    } finally {
      await db.close();
    }
    const args = ['simulate', '--dataset', 'generated', '--records', '3000', '--count', 'Post=1000'];
    const r = runCli([...args, '--invalid-ratio', '0.3', '--seed', '9', '--threads', '2', '--json'], {
      cwd: dir,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as RunReport;
    expect(report.expectations?.mismatches).toBe(0);
    expect(report.models.post?.attempted).toBe(1000);
    expect(report.totals.attempted).toBe(4 * 600 + 1000);
  });
});
