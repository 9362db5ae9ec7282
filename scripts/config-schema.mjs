// Writes the JSON Schema of distdb.config.json, generated from the valibot schema distdb checks
// config files with, so editors and distdb agree. Reads the built code: run `npm run build` first.
//
//   node scripts/config-schema.mjs [PATH]          write the schema (default schema/distdb.config.schema.json)
//   node scripts/config-schema.mjs --check [PATH]  exit 1 when PATH differs from what would be written
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { toJsonSchema } from '@valibot/to-json-schema';

const root = resolve(import.meta.dirname, '..');
const built = resolve(root, 'dist/config/fileSchema.js');

async function generate() {
  if (!existsSync(built)) throw new Error(`${relative(root, built)} not found: run npm run build first`);
  const { configFileSchema } = await import(pathToFileURL(built).href);
  const schema = toJsonSchema(configFileSchema, {
    // Every object schema follows a check that refuses arrays; "type": "object" already says that.
    typeMode: 'output',
    // Router methods are functions, which JSON cannot hold: in a JSON file they must be absent.
    overrideSchema: ({ valibotSchema }) => (valibotSchema.type === 'function' ? { not: {} } : undefined),
  });
  return `${JSON.stringify(schema, null, 2)}\n`;
}

async function main(args) {
  const check = args[0] === '--check';
  const target = resolve(args[check ? 1 : 0] ?? resolve(root, 'schema/distdb.config.schema.json'));
  const text = await generate();
  const shown = relative(process.cwd(), target);
  if (check) {
    const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
    if (current === text) return 0;
    console.error(`${shown} is not what the config schema generates: run node scripts/config-schema.mjs`);
    return 1;
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`wrote ${shown}`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2)).catch((err) => {
  console.error(`config-schema: ${err instanceof Error ? err.message : err}`);
  return 1;
});
