import { existsSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dialectFor, isSupportedScheme, supportedSchemes } from '../db/registry.js';
import { type DatabaseUrl, parseDatabaseUrl } from '../db/url.js';
import { DistdbError, errorMessage } from '../errors.js';
import type { AnyModel } from '../models/model.js';
import { orderModels } from '../models/schemaGraph.js';
import { registerSecrets } from '../secrets.js';
import type { ConfigInput, DistdbConfig, Schema } from './config.js';
import {
  ALIAS,
  ALIAS_RULE,
  CONFIG_FILE_NAMES,
  DEFAULT_ALIAS,
  DEFAULT_MIGRATIONS,
  defaultDatabaseUrl,
  defaultRoutes,
  RUN_MODEL,
} from './defaults.js';
import type { FileConfig } from './fileSchema.js';
import { checkReplicas } from './replicasConfig.js';
import { checkSharding, shardingNames } from './shardingConfig.js';

function fail(where: string, problem: string, cause?: unknown): never {
  throw new DistdbError('config', `${where}: ${problem}`, cause === undefined ? undefined : { cause });
}

/** The schema and the JSON reader are loaded only when there is a file: most runs have none. */
async function checked(where: string, raw: unknown): Promise<FileConfig> {
  const { checkFileConfig } = await import('./fileSchema.js');
  const result = checkFileConfig(raw);
  if ('problem' in result) fail(where, result.problem);
  return result.config;
}

async function readConfigFile(path: string): Promise<FileConfig> {
  const where = path;
  if (!existsSync(path)) fail(where, 'file not found');
  if (extname(path) === '.json') {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      return fail(where, `cannot read: ${errorMessage(err)}`, err);
    }
    // The same exact reader as dataset files: a BOM is fine, errors give line and column.
    const { parseJsonText } = await import('../util/jsonText.js');
    const parsed = parseJsonText(bytes);
    if (!parsed.ok) return fail(where, `not valid JSON: ${parsed.message}`);
    const repeated = parsed.duplicateKeys[0];
    if (repeated) {
      const at = [...repeated.path, repeated.key].join('.');
      return fail(where, `"${at}" appears more than once (line ${repeated.line}, column ${repeated.column})`);
    }
    return checked(where, parsed.value);
  }
  let mod: { default?: unknown };
  try {
    mod = (
      extname(path) === '.ts' ? await importTypeScript(path) : await import(pathToFileURL(path).href)
    ) as {
      default?: unknown;
    };
  } catch (err) {
    return fail(where, `cannot load: ${loadProblem(err)}`, err);
  }
  return checked(where, mod.default ?? mod);
}

/** The first line of a load error, and where it is when jiti gives that on the second line. */
function loadProblem(err: unknown): string {
  const [first = '', second = ''] = errorMessage(err).split('\n');
  const at = /:\d+:\d+$/.test(second.trim()) ? ` at ${second.trim()}` : '';
  return `${first.trim()}${at}`;
}

/**
 * Node 20 cannot import TypeScript, so a `.ts` config goes through jiti, which transpiles it and its
 * relative imports in memory: nothing is written beside the user's file or to a cache. jiti is
 * imported here, not at the top, so configs in other formats do not load it.
 */
async function importTypeScript(path: string): Promise<unknown> {
  const { createJiti } = await import('jiti');
  const jiti = createJiti(import.meta.url, { fsCache: false, moduleCache: false, interopDefault: true });
  return jiti.import(path);
}

function findConfigFile(cwd: string): string | undefined {
  for (const name of CONFIG_FILE_NAMES) {
    const p = resolve(cwd, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

function envUrls(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    const m = /^DISTDB_([A-Z][A-Z0-9_]*)_URL$/.exec(k);
    if (m?.[1] && v !== undefined && v !== '') out[m[1].toLowerCase()] = v;
  }
  return out;
}

/** The models given in code or the file (code first), or the default schema. */
function schemaOf(input: ConfigInput, file: FileConfig, where: string, cwd: string): Schema {
  const given = input.models ?? file.models;
  if (given === undefined) {
    return input.defaultSchema ?? fail(where, 'no models: give them in code (models) or in the config file');
  }
  let models: AnyModel[];
  try {
    models = orderModels(given);
  } catch (err) {
    return fail(where, errorMessage(err), err);
  }
  return { models, migrations: resolve(cwd, input.migrations ?? file.migrations ?? DEFAULT_MIGRATIONS) };
}

type Origin = DistdbConfig['origins'][string];

/** Alias → URL from every layer (flags > environment > file > defaults), each URL checked. */
async function databasesOf(
  layers: [Origin, Readonly<Record<string, string>>, string][],
): Promise<{ databases: Record<string, DatabaseUrl>; origins: Record<string, Origin> }> {
  const databases: Record<string, DatabaseUrl> = {};
  const origins: Record<string, Origin> = {};
  for (const [origin, urls, source] of layers) {
    for (const [alias, raw] of Object.entries(urls)) {
      const where = `${source}: database "${alias}"`;
      if (!ALIAS.test(alias)) fail(source, `invalid database alias "${alias}" (${ALIAS_RULE})`);
      const url = parseDatabaseUrl(raw, where);
      registerSecrets(url.secrets);
      if (!isSupportedScheme(url.scheme)) {
        fail(
          where,
          `unsupported URL scheme "${url.scheme}:" in ${url.redacted} (supported: ${supportedSchemes().join(', ')})`,
        );
      }
      // Every value the backend needs is checked now, so a bad URL stops a command before it writes.
      try {
        (await dialectFor(url)).checkUrl(url);
      } catch (err) {
        if (err instanceof DistdbError) fail(where, err.message);
        throw err;
      }
      databases[alias] = url;
      origins[alias] = origin;
    }
  }
  return { databases, origins };
}

/** Routes of configured models only; every alias they name must be a database. */
function checkRoutes(
  where: string,
  models: readonly AnyModel[],
  routes: Record<string, string>,
  aliases: Set<string>,
): void {
  const known = [...models.map((m) => m.label), RUN_MODEL];
  for (const [model, alias] of Object.entries(routes)) {
    if (!known.includes(model)) fail(where, `routes: unknown model "${model}" (known: ${known.join(', ')})`);
    if (!aliases.has(alias)) fail(where, `routes: model ${model} is routed to unknown database "${alias}"`);
  }
}

/** Builds the configuration: flags > environment > config file > defaults. */
export async function loadConfig(input: ConfigInput = {}): Promise<DistdbConfig> {
  const cwd = input.cwd ?? process.cwd();
  const env = input.env ?? process.env;
  const configFile = input.configPath ? resolve(cwd, input.configPath) : findConfigFile(cwd);
  const file: FileConfig = configFile ? await readConfigFile(configFile) : {};
  const where = configFile ?? 'configuration';
  const schema = schemaOf(input, file, where, cwd);
  const rawSharding = input.sharding ?? file.sharding;
  const sharded = shardingNames(rawSharding);
  const given = { ...(file.routes ?? {}), ...(input.routes ?? {}) };
  const routedToo = Object.keys(given).find((m) => sharded.models.includes(m));
  if (routedToo) fail(where, `routes: model ${routedToo} is sharded, so sharding says where it is`);
  const unsharded = schema.models.filter((m) => !sharded.models.includes(m.label));
  const routes: Record<string, string> = { ...defaultRoutes(unsharded), ...given };
  const configured = { ...(file.databases ?? {}), ...(input.databases ?? {}) };
  // Each model's table names an embedded database of its own unless one is configured; shards are configured.
  const defaults: Record<string, string> = { [DEFAULT_ALIAS]: defaultDatabaseUrl(DEFAULT_ALIAS) };
  for (const m of unsharded) defaults[m.table.name] = defaultDatabaseUrl(m.table.name);
  const flags = input.urls ?? {};
  const known = new Set([
    ...Object.keys(defaults),
    ...Object.keys(configured),
    ...Object.values(routes),
    ...sharded.aliases.filter((a) => ALIAS.test(a)),
  ]);
  // The environment is shared with other programs: it gives URLs to the aliases the
  // configuration names, and adds none (DISTDB_TEST_POSTGRES_URL is not a database "test_postgres").
  const fromEnv = Object.fromEntries(Object.entries(envUrls(env)).filter(([alias]) => known.has(alias)));
  for (const alias of Object.keys(flags)) {
    if (ALIAS.test(alias) && !known.has(alias)) {
      fail('command line', `unknown database alias "${alias}" (known: ${[...known].join(', ')})`);
    }
  }
  const { databases, origins } = await databasesOf([
    ['default', defaults, 'defaults'],
    ['file', configured, where],
    ['env', fromEnv, 'environment'],
    ['flag', flags, 'command line'],
  ]);
  const aliases = new Set(Object.keys(databases));
  checkRoutes(where, schema.models, routes, aliases);
  const sharding = checkSharding(rawSharding, schema.models, aliases);
  if ('problem' in sharding) fail(where, sharding.problem);
  const replicas = await checkReplicas(input.replicas ?? file.replicas, env, databases);
  if ('problem' in replicas) fail(where, replicas.problem);
  return {
    ...schema,
    databases,
    routes,
    sharding: sharding.sharding,
    replicas: replicas.replicas,
    routers: [...(input.routers ?? []), ...(file.routers ?? [])],
    origins,
    ...(configFile ? { configFile } : {}),
  };
}
