import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DistdbError, errorMessage } from '../errors.js';
import { snakeCase } from '../models/defineModel.js';
import type { AnyModel } from '../models/model.js';
import { migrationFileText } from './fileText.js';
import { displayPath, readMigrationFiles } from './migrationFiles.js';
import { type Migration, type MigrationStep, migrationNumber } from './migrations.js';
import { driftedModels, schemaChanges } from './schemaChanges.js';
import { replay } from './schemaState.js';

export type MakeMigrationsResult =
  | { readonly status: 'unchanged' }
  | {
      readonly status: 'written';
      readonly id: string;
      /** Absolute path of the new file. */
      readonly file: string;
      readonly steps: readonly MigrationStep[];
      /** Tables the new migration drops, rows and all. */
      readonly dropped: readonly { readonly model: string; readonly table: string }[];
    };

const NAME = /^[a-z0-9_]{1,80}$/;
const LONGEST_DERIVED = 60;

/** What a step does in a name (`add_post`, `score`), when it has a short one. */
function namePart(step: MigrationStep): [string, string] | undefined {
  const model = snakeCase(step.model);
  switch (step.kind) {
    case 'createTable':
      return ['create', step.table.name];
    case 'dropTable':
      return ['delete', model];
    case 'addColumn':
      return [`add_${model}`, step.column.name];
    case 'dropColumn':
      return [`remove_${model}`, step.column];
    default:
      return undefined;
  }
}

/** `create_comments`, `add_post_score_rating`: steps of one kind on one model; else `auto`. */
export function derivedName(steps: readonly MigrationStep[]): string {
  const parts = steps.map(namePart);
  const first = parts[0];
  if (!first || parts.some((p) => p?.[0] !== first[0])) return 'auto';
  const name = `${first[0]}_${parts.map((p) => p?.[1]).join('_')}`;
  return name.length <= LONGEST_DERIVED ? name : 'auto';
}

/**
 * Compares the models with what the migration files build and writes the next file with the
 * steps between them; writes nothing when they match. The folder is created when missing.
 */
export function makeMigrations(
  folder: string,
  models: readonly AnyModel[],
  options: { name?: string } = {},
): MakeMigrationsResult {
  if (options.name !== undefined && !NAME.test(options.name))
    throw new DistdbError('usage', 'the migration name must be 1 to 80 lower-case letters, digits and _');
  const files = readMigrationFiles(folder);
  const { steps, dropped } = schemaChanges(replay(files), models);
  if (steps.length === 0) return { status: 'unchanged' };
  const number = Math.max(0, ...files.map((m) => migrationNumber(m.id))) + 1;
  const name = options.name ?? (files.length === 0 ? 'initial' : derivedName(steps));
  const id = `${String(number).padStart(4, '0')}_${name}`;
  const file = join(folder, `${id}.json`);
  try {
    mkdirSync(folder, { recursive: true });
    // Never over an existing file.
    writeFileSync(file, migrationFileText(steps), { flag: 'wx' });
  } catch (err) {
    throw new DistdbError('config', `cannot write ${displayPath(file)}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  return { status: 'written', id, file, steps, dropped };
}

/** The models whose tables differ from what the files build; a step that cannot apply is an error. */
export function driftOf(files: readonly Migration[], models: readonly AnyModel[]): readonly string[] {
  return driftedModels(replay(files), models);
}
