/**
 * Just enough of JSON Schema (draft-07) to check a config against distdb's schema. An unknown
 * keyword throws, so a schema that grows a rule this does not apply fails loudly instead of passing.
 */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  pattern?: string;
  not?: JsonSchema;
  description?: string;
  title?: string;
  $schema?: string;
}

const KNOWN = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'pattern',
  'not',
  'description',
  'title',
  '$schema',
]);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function objectErrors(schema: JsonSchema, value: Record<string, unknown>, at: string): string[] {
  const errors: string[] = [];
  for (const key of schema.required ?? []) if (!(key in value)) errors.push(`${at}: missing "${key}"`);
  for (const [key, item] of Object.entries(value)) {
    if (schema.propertyNames) errors.push(...jsonSchemaErrors(schema.propertyNames, key, `${at} key ${key}`));
    const property = schema.properties?.[key];
    const extra = schema.additionalProperties ?? true;
    if (property) errors.push(...jsonSchemaErrors(property, item, `${at}.${key}`));
    else if (extra === false) errors.push(`${at}: unexpected "${key}"`);
    else if (extra !== true) errors.push(...jsonSchemaErrors(extra, item, `${at}.${key}`));
  }
  return errors;
}

/** Where `value` breaks `schema`, one entry per problem; none when it is valid. */
export function jsonSchemaErrors(schema: JsonSchema, value: unknown, at = '$'): string[] {
  for (const key of Object.keys(schema))
    if (!KNOWN.has(key)) throw new Error(`JSON Schema keyword "${key}" is not supported here`);
  if (schema.not && jsonSchemaErrors(schema.not, value, at).length === 0) return [`${at}: not allowed`];
  if (schema.type !== undefined && schema.type !== typeOf(value))
    return [`${at}: expected ${schema.type}, got ${typeOf(value)}`];
  if (
    schema.pattern !== undefined &&
    typeof value === 'string' &&
    !new RegExp(schema.pattern, 'u').test(value)
  )
    return [`${at}: does not match ${schema.pattern}`];
  if (Array.isArray(value) && schema.items)
    return value.flatMap((item, i) => jsonSchemaErrors(schema.items as JsonSchema, item, `${at}[${i}]`));
  if (typeOf(value) === 'object') return objectErrors(schema, value as Record<string, unknown>, at);
  return [];
}
