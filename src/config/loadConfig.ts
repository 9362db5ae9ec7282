import { existsSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dialectFor, isSupportedScheme, supportedSchemes } from '../db/registry.js';
import { type DatabaseUrl, parseDatabaseUrl } from '../db/url.js';
import { DistdbError, errorMessage } from '../errors.js';
import { registerSecrets } from '../secrets.js';
import type { ConfigInput, DistdbConfig } from './config.js';
import { ALIAS, ALIAS_RULE, CONFIG_FILE_NAMES, DEFAULT_DATABASES, DEFAULT_ROUTES } from './defaults.js';
import type { FileConfig } from './fileSchema.js';

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

/** Builds the configuration: flags > environment > config file > defaults. */
export async function loadConfig(input: ConfigInput = {}): Promise<DistdbConfig> {
  const cwd = input.cwd ?? process.cwd();
  const env = input.env ?? process.env;
  const configFile = input.configPath ? resolve(cwd, input.configPath) : findConfigFile(cwd);
  const file: FileConfig = configFile ? await readConfigFile(configFile) : {};

  const layers: [DistdbConfig['origins'][string], Readonly<Record<string, string>>, string][] = [
    ['default', DEFAULT_DATABASES, 'defaults'],
    ['file', { ...(file.databases ?? {}), ...(input.databases ?? {}) }, configFile ?? 'configuration'],
    ['env', envUrls(env), 'environment'],
    ['flag', input.urls ?? {}, 'command line'],
  ];
  const databases: Record<string, DatabaseUrl> = {};
  const origins: Record<string, DistdbConfig['origins'][string]> = {};
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

  const routes: Record<string, string> = {
    ...DEFAULT_ROUTES,
    ...(file.routes ?? {}),
    ...(input.routes ?? {}),
  };
  for (const [model, alias] of Object.entries(routes)) {
    if (!Object.hasOwn(DEFAULT_ROUTES, model)) {
      fail(
        configFile ?? 'configuration',
        `routes: unknown model "${model}" (known: ${Object.keys(DEFAULT_ROUTES).join(', ')})`,
      );
    }
    if (!Object.hasOwn(databases, alias)) {
      fail(configFile ?? 'configuration', `routes: model ${model} is routed to unknown database "${alias}"`);
    }
  }
  return {
    databases,
    routes,
    routers: [...(input.routers ?? []), ...(file.routers ?? [])],
    origins,
    ...(configFile ? { configFile } : {}),
  };
}
