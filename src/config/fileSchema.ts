import * as v from 'valibot';
import type { AnyModel } from '../models/model.js';
import type { Router } from '../routing/router.js';
import { typeName } from '../util/text.js';
import { ALIAS, ALIAS_RULE } from './defaults.js';

/**
 * The shape of a configuration file, checked with valibot. Every schema's message is distdb's
 * wording for its issue: for a wrong type, what was expected ("a string"); for a refused key, the
 * whole problem. `describeIssue` adds the path.
 */

const FILE_KEYS = ['databases', 'routes', 'sharding', 'replicas', 'routers', 'models', 'migrations'];
const ROUTER_METHODS = ['dbForRead', 'dbForWrite', 'allowMigrate', 'allowRelation'] as const;

export interface FileConfig {
  databases?: Record<string, string>;
  routes?: Record<string, string>;
  sharding?: Record<string, unknown>;
  replicas?: Record<string, unknown>;
  routers?: Router[];
  models?: AnyModel[];
  migrations?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * valibot's object schemas accept arrays, so each is preceded by a check that refuses them: an array
 * would otherwise be reported by its first index ("unknown key "0"") instead of as a wrong type.
 */
function objectOf<T extends v.GenericSchema<Record<string, unknown>>>(schema: T, description: string) {
  return v.pipe(v.custom<Record<string, unknown>>(isObject, 'an object'), schema, v.description(description));
}

/** The message of a strict object: its only issue is a key it does not know (the type is checked before). */
function refusedKey(problem: (key: string) => string) {
  return (issue: v.BaseIssue<unknown>) => problem(String(issue.input));
}

const described = <T extends v.GenericSchema>(schema: T, description: string) =>
  v.pipe(schema, v.description<v.InferOutput<T>, string>(description));

const text = (description: string) => described(v.string('a string'), description);

const alias = v.pipe(
  v.string(),
  v.regex(ALIAS, (issue) => `invalid database alias "${issue.input}" (${ALIAS_RULE})`),
);

const databases = objectOf(
  v.record(alias, text('Database URL: sqlite:PATH, postgres://user@host/db, mysql://user@host/db, …')),
  'Database alias (lower-case letters, digits, _) → URL.',
);

const routes = objectOf(
  v.record(v.string(), text('Alias of the database that holds the model.')),
  "Model name → database alias, for the table router (Run: distdb's run history).",
);

// Checked against the models and databases once both are known (shardingConfig).
const sharding = objectOf(
  v.record(v.string(), objectOf(v.looseObject({}), 'A sharding rule: {key, strategy, databases | ranges}.')),
  'Model name → how its records are spread over databases (hash or range of its key).',
);

// Checked against the databases once they are known (replicasConfig).
const replica = v.union(
  [
    described(v.array(v.string()), 'Replica URLs.'),
    objectOf(
      v.looseObject({
        urls: v.optional(described(v.array(v.string()), 'Replica URLs.')),
        maxLagMs: v.optional(described(v.number(), 'A replica further behind gets no reads (default 1000).')),
        waitMs: v.optional(
          described(
            v.number(),
            "How long a read may wait for a replica to replay the caller's write (default 0).",
          ),
        ),
      }),
      'A replica list with options.',
    ),
  ],
  'a list of URLs or {urls, maxLagMs, waitMs}',
);
const replicas = objectOf(
  v.record(v.string(), replica),
  'Database alias → its read replicas (PostgreSQL streaming standbys).',
);

const models = described(
  v.array(objectOf(v.looseObject({}), 'A model, declared with defineModel.'), 'an array'),
  "The application's models (defineModel), so only in a .js or .ts config; default: the shop demo.",
);

const method = (name: string) =>
  v.optional(
    described(v.function('a function'), `Router.${name}: a function, so only in a .js or .ts config.`),
  );

const router = objectOf(
  v.looseObject({
    name: text('Shown by `distdb routes` when this router decides.'),
    ...Object.fromEntries(ROUTER_METHODS.map((name) => [name, method(name)])),
  }),
  'A router: a name, and methods only a .js or .ts config can give.',
);

export const configFileSchema = objectOf(
  v.strictObject(
    {
      $schema: v.optional(text('JSON Schema of this file, for editors.')),
      databases: v.optional(databases),
      routes: v.optional(routes),
      sharding: v.optional(sharding),
      replicas: v.optional(replicas),
      routers: v.optional(
        described(v.array(router, 'an array'), 'Routers asked in order, before the table router.'),
      ),
      models: v.optional(models),
      migrations: v.optional(text('Folder of the migration files (default ./migrations).')),
    },
    refusedKey((key) => `unknown key "${key}" (allowed: ${FILE_KEYS.join(', ')})`),
  ),
  'distdb configuration: models, database URLs, routes and routers.',
);

type PathItem = NonNullable<v.BaseIssue<unknown>['path']>[number];

function dotted(path: readonly PathItem[]): string {
  return path
    .map((item, i) => (typeof item.key === 'number' ? `[${item.key}]` : `${i ? '.' : ''}${String(item.key)}`))
    .join('');
}

/** One line naming the path: `"routers[1].name" must be a string, got a number`. */
export function describeIssue(issue: v.BaseIssue<unknown>): string {
  const path = issue.path ?? [];
  const last = path.at(-1);
  if (last?.origin === 'key') {
    const parent = dotted(path.slice(0, -1));
    if (issue.input === undefined) return `"${parent}" must have a "${String(last.key)}"`;
    return parent ? `${parent}: ${issue.message}` : issue.message;
  }
  const at = path.length ? `"${dotted(path)}" ` : '';
  return `${at}must be ${issue.message}, got ${typeName(issue.input)}`;
}

/**
 * Checks a file's contents and returns them as they are, not valibot's copy: a router may be a
 * class instance whose methods need it as `this`.
 */
export function checkFileConfig(raw: unknown): { config: FileConfig } | { problem: string } {
  const result = v.safeParse(configFileSchema, raw, { abortEarly: true });
  const first = result.issues?.[0];
  if (first) return { problem: describeIssue(first) };
  return { config: raw as FileConfig };
}
