/**
 * Run ids count up in each `default` database, so two deployments that share model databases
 * (a second working directory, a deleted data/default.db, a new DISTDB_DEFAULT_URL) both have a
 * run 1. Batch journal entries are keyed by a random run key instead, so neither deployment
 * ever takes the other's entries as its own.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { backendCases, type Deployment, tempDir } from '../support/deployments.js';
import { killAt } from '../support/pause.js';
import { urlFlags } from '../support/processes.js';
import { modelSnapshot } from '../support/rawdb.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** The deployment's model databases with a `default` of its own (a SQLite file in a new directory). */
function withOwnDefault(d: Deployment): { cwd: string; flags: string[] } {
  const cwd = tempDir('distdb-identity-');
  const { default: _, ...models } = d.urls;
  return { cwd, flags: urlFlags({ ...models, default: `sqlite:${join(cwd, 'default.db')}` }) };
}

function rowCounts(snapshot: Record<string, unknown[]>): Record<string, number> {
  return Object.fromEntries(Object.entries(snapshot).map(([t, rows]) => [t, rows.length]));
}

const CANONICAL_ROWS = { users: 8, products: 9, orders: 7 };

describe.each(backendCases())('two deployments sharing $name model databases', (backend) => {
  it.skipIf(!backend.available)(
    'the second deployment runs its own run 1 completely; --resume of it never takes the first one’s journal',
    async () => {
      const d = await backend.create();
      cleanups.push(() => d.cleanup());
      const a = withOwnDefault(d);
      const first = runCli(['simulate', '--json', '--no-progress', ...a.flags], { cwd: a.cwd });
      expect(first.code, first.stderr).toBe(0);
      expect(JSON.parse(first.stdout).run).toBe(1);

      // A second deployment: its run 1 writes every batch the first deployment's run 1 wrote.
      const b = withOwnDefault(d);
      const second = runCli(['simulate', '--reset', '--yes', '--json', '--no-progress', ...b.flags], {
        cwd: b.cwd,
      });
      expect(second.code, second.stderr).toBe(0);
      expect(JSON.parse(second.stdout)).toMatchObject({ run: 1, totals: { succeeded: 24, attempted: 30 } });
      expect(rowCounts(await modelSnapshot(d.urls))).toEqual(CANONICAL_ROWS);

      // A third deployment's run 1 is killed once recorded, before any batch: resuming it must
      // write every batch, not find them in the other runs' journals.
      const c = withOwnDefault(d);
      await killAt(['simulate', '--reset', '--yes', '--no-progress', ...c.flags], {
        cwd: c.cwd,
        at: 'run-recorded',
      });
      expect(rowCounts(await modelSnapshot(d.urls))).toEqual({ users: 0, products: 0, orders: 0 });
      const resumed = runCli(['simulate', '--resume', '1', '--json', '--no-progress', ...c.flags], {
        cwd: c.cwd,
      });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(JSON.parse(resumed.stdout).totals).toEqual({
        attempted: 30,
        succeeded: 24,
        failed: 6,
        successRate: 80,
      });
      expect(rowCounts(await modelSnapshot(d.urls))).toEqual(CANONICAL_ROWS);
    },
  );
});
