import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { DistdbError, errorMessage } from '../errors.js';
import { parseJsonText } from '../util/jsonText.js';
import { MIGRATIONS, type Migration, migrationNumber } from './migrations.js';
import { ShapeError, stepsOf } from './stepShape.js';

/** `0003_create_products.json`: a number of at least four digits, then a name. */
export const MIGRATION_FILE = /^(\d{4,})_([A-Za-z0-9_]{1,200})\.json$/;

/** A file as shown to the user: relative to the working directory when it is below it. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

function fileError(file: string, problem: string, cause?: unknown): DistdbError {
  return new DistdbError('config', `migration file ${displayPath(file)}: ${problem}`, { cause });
}

export function checksumOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** One migration file, read strictly: valid UTF-8 JSON, no repeated key, steps of known shape. */
export function readMigrationFile(file: string, id: string): Migration {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw fileError(file, `cannot read: ${errorMessage(err)}`, err);
  }
  const parsed = parseJsonText(bytes);
  if (!parsed.ok) throw fileError(file, `not valid JSON: ${parsed.message}`);
  const repeated = parsed.duplicateKeys[0];
  if (repeated) {
    const at = [...repeated.path, repeated.key].join('.');
    throw fileError(
      file,
      `"${at}" appears more than once (line ${repeated.line}, column ${repeated.column})`,
    );
  }
  try {
    return { id, operations: stepsOf(parsed.value), source: { file, checksum: checksumOf(bytes) } };
  } catch (err) {
    if (err instanceof ShapeError) throw fileError(file, err.message);
    throw err;
  }
}

/** The `.json` files of the folder, checked for names and numbers, by number; none if there is no folder. */
export function migrationFileNames(folder: string): { id: string; file: string }[] {
  if (!existsSync(folder)) return [];
  if (!statSync(folder).isDirectory())
    throw new DistdbError('config', `migrations folder ${displayPath(folder)} is not a folder`);
  const own = new Set(MIGRATIONS.map((m) => m.id));
  const byNumber = new Map<number, string>();
  const out: { id: string; file: string }[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.json')) continue;
    const file = join(folder, entry.name);
    if (!MIGRATION_FILE.test(entry.name))
      throw fileError(file, 'the name must be NNNN_name.json (a number, then letters, digits and _)');
    const id = entry.name.slice(0, -'.json'.length);
    if (own.has(id))
      throw fileError(file, `${id} is the id of one of distdb's own migrations: rename the file`);
    const earlier = byNumber.get(migrationNumber(id));
    if (earlier !== undefined)
      throw fileError(file, `its number is also the number of ${earlier}.json: give each migration its own`);
    byNumber.set(migrationNumber(id), id);
    out.push({ id, file });
  }
  return out.sort((a, b) => migrationNumber(a.id) - migrationNumber(b.id));
}

/** The application's migrations, read from its folder, by number. */
export function readMigrationFiles(folder: string): Migration[] {
  return migrationFileNames(folder).map(({ id, file }) => readMigrationFile(file, id));
}
