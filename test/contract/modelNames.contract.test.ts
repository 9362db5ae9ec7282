/**
 * Model names of any length a declaration allows fit distdb's own tables (run failures and
 * batch journals), also in databases whose tables an earlier version created for 20 characters.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Distdb, defineModel, f, openDistdb } from 'distdb';
import { afterAll, describe, expect, it } from 'vitest';
import { backendCases, tempDir } from '../support/deployments.js';

const Attachment = defineModel({
  name: 'ProductReviewAttachmentRevision',
  table: 'attachments',
  fields: { id: f.id(), label: f.text({ minLength: 2, maxLength: 50 }) },
});

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function open(backend: ReturnType<typeof backendCases>[number]): Promise<Distdb> {
  const deployment = await backend.create();
  const dir = tempDir('distdb-model-names-');
  cleanups.push(async () => {
    await deployment.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  const urls = deployment.urls;
  const db = await openDistdb({
    models: [Attachment],
    databases: { default: urls.default as string, attachments: urls.users as string },
    migrations: 'migrations',
    env: {},
    cwd: dir,
  });
  cleanups.unshift(() => db.close());
  await db.makeMigrations();
  writeFileSync(
    join(dir, 'records.json'),
    JSON.stringify({
      attachments: [
        { id: 1, label: 'ok' },
        { id: 2, label: 'x' },
      ],
    }),
  );
  return db;
}

/** The tables as a version allowing 20-character model names left them. */
async function narrow(db: Distdb): Promise<void> {
  for (const [alias, table, columns] of [
    ['default', 'distdb_run_failures', ['model']],
    ['attachments', 'distdb_batches', ['model', 'batch_key']],
  ] as const) {
    const conn = await db.connection(alias);
    for (const column of columns) {
      const length = column === 'model' ? 20 : 100;
      const sql =
        conn.dialect.backend === 'postgres'
          ? `ALTER TABLE ${table} ALTER COLUMN ${column} TYPE VARCHAR(${length})`
          : conn.dialect.backend === 'mysql'
            ? `ALTER TABLE ${table} MODIFY COLUMN ${column} VARCHAR(${length}) NOT NULL`
            : undefined;
      if (sql) await conn.execute(sql);
    }
  }
}

describe.each(backendCases())('long model names on $name', (backend) => {
  it.skipIf(!backend.available).each([false, true])(
    'a run of a model whose name has 32 characters is journaled and its failures stored (tables of an earlier version: %s)',
    async (upgraded) => {
      const db = await open(backend);
      for (const r of await db.migrate()) expect(r.status).toBe('ok');
      if (upgraded) {
        await narrow(db);
        for (const r of await db.migrate()) expect(r).toMatchObject({ status: 'ok', applied: [] });
      }
      const { simulate, loadDatasetFile } = await import('distdb');
      const dataset = loadDatasetFile(join(db.config.migrations, '../records.json'), db.models);
      const report = await simulate(db, { dataset });
      expect(report.status).toBe('completed');
      expect(report.models.product_review_attachment_revision).toMatchObject({ attempted: 2, succeeded: 1 });
      expect(report.failuresByCode).toEqual({ invalid_label: 1 });
      const journal = await (await db.connection('attachments')).query('SELECT model FROM distdb_batches');
      expect(journal.map((r) => r.model)).toEqual(['product_review_attachment_revision']);
    },
  );
});
