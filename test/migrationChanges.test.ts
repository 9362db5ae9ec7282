/**
 * makemigrations and the schema check through the library, with models given in code: which
 * steps each kind of model change becomes, and inserts refused while a model differs from its
 * migrations.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type AnyModel, defineModel, f, openDistdb } from 'distdb';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/deployments.js';

const dir = tempDir('distdb-migchanges-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const Tag = defineModel({
  name: 'Tag',
  table: 'tags',
  fields: { id: f.id(), label: f.text({ maxLength: 40 }) },
});

async function makeMigrations(models: readonly AnyModel[], name?: string) {
  const db = await openDistdb({
    models,
    migrations: join(dir, 'migrations'),
    databases: { default: `sqlite:${join(dir, 'default.db')}` },
    env: {},
    cwd: dir,
  });
  try {
    return await db.makeMigrations(name === undefined ? {} : { name });
  } finally {
    await db.close();
  }
}

const stepsOf = (r: Awaited<ReturnType<typeof makeMigrations>>) =>
  r.status === 'written' ? [r.id, r.steps.map((s) => [s.kind, s.model, s.table])] : r.status;

describe('model changes become migration steps', () => {
  it('a first run creates every table; then nothing is unchanged', async () => {
    expect(stepsOf(await makeMigrations([Tag]))).toEqual([
      '0001_initial',
      [['createTable', 'Tag', Tag.table]],
    ]);
    expect(await makeMigrations([Tag])).toEqual({ status: 'unchanged' });
  });

  it('a field made unique is addUnique, and made plain again dropUnique', async () => {
    const unique = defineModel({
      name: 'Tag',
      table: 'tags',
      fields: { id: f.id(), label: f.text({ maxLength: 40, unique: 'ci' }) },
    });
    // Case-insensitive uniqueness is a property of the column too: no step changes a column.
    await expect(makeMigrations([unique])).rejects.toThrow(
      /cannot migrate Tag\.label: its case-insensitivity changed/,
    );
    const plainUnique = defineModel({
      name: 'Tag',
      table: 'tags',
      fields: { id: f.id(), label: f.text({ maxLength: 40, unique: true }) },
    });
    const added = await makeMigrations([plainUnique], 'unique_label');
    expect(added).toMatchObject({
      status: 'written',
      id: '0002_unique_label',
      steps: [
        {
          model: 'Tag',
          kind: 'addUnique',
          table: 'tags',
          unique: { name: 'tags_label_unique', column: 'label' },
        },
      ],
    });
    expect(await makeMigrations([Tag])).toMatchObject({
      id: '0003_auto',
      steps: [{ kind: 'dropUnique', unique: { name: 'tags_label_unique' } }],
    });
  });

  it('a new reference is a column and its index; removing it drops the column, index and all', async () => {
    const Parent = defineModel({ name: 'Parent', table: 'parents', fields: { id: f.id() } });
    const withRef = defineModel({
      name: 'Tag',
      table: 'tags',
      fields: { id: f.id(), label: f.text({ maxLength: 40 }), parent_id: f.ref(Parent, { optional: true }) },
    });
    expect(stepsOf(await makeMigrations([Parent, withRef]))).toEqual([
      '0004_auto',
      [
        ['createTable', 'Parent', Parent.table],
        ['addColumn', 'Tag', 'tags'],
        ['createIndex', 'Tag', 'tags'],
      ],
    ]);
    const dropped = await makeMigrations([Parent, Tag]);
    expect(dropped).toMatchObject({
      id: '0005_remove_tag_parent_id',
      steps: [
        { kind: 'dropColumn', column: 'parent_id', result: { indexes: [], checks: [{ column: 'id' }] } },
      ],
    });
  });
});

describe('a model that differs from its migrations', () => {
  it('is refused by insert with a config error saying to run makemigrations', async () => {
    const changed = defineModel({
      name: 'Tag',
      table: 'tags',
      fields: { id: f.id(), label: f.text({ maxLength: 40 }), weight: f.integer({ optional: true }) },
    });
    const db = await openDistdb({
      models: [changed],
      migrations: join(dir, 'migrations'),
      databases: { default: `sqlite:${join(dir, 'default.db')}` },
      env: {},
      cwd: dir,
    });
    try {
      expect(await db.schemaDrift()).toEqual(['Tag', 'Parent']);
      const refused = db.insert(changed, { id: 1, label: 'x' });
      await expect(refused).rejects.toMatchObject({
        kind: 'config',
        message: 'model Tag differs from its migrations: make a migration for it (makeMigrations)',
        reason: 'schema_drift',
      });
    } finally {
      await db.close();
    }
  });
});
