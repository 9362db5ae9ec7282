import { type Command, Option } from 'commander';
import type { Distdb } from '../../distdb.js';
import { DistdbError } from '../../errors.js';
import type { AnyModel } from '../../models/model.js';
import type { Where } from '../../queries/where.js';
import { escapeControl } from '../../reporting/escape.js';
import { textTable } from '../../reporting/renderers/table.js';
import { truncate } from '../../util/text.js';
import { type CommonOptions, type Io, parseIntOption, withCommonOptions, withDistdb } from '../context.js';

interface FindFlags extends CommonOptions {
  where?: string;
  order: string[];
  limit: number;
  offset: number;
  include: string[];
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [
  ...previous,
  ...value.split(',').map((s) => s.trim()),
];

export function findCommand(program: Command, io: Io): void {
  withCommonOptions(program.command('find').argument('<model>', 'model name (Author, or author)'))
    .description("print a model's records from the database it is read from")
    .option('--where <json>', 'conditions as JSON: {"score": {"gte": 10}, "or": [...]}')
    .option('--order <field[:desc]>', 'sort by a field, descending with :desc (repeatable)', collect, [])
    .addOption(
      new Option('--limit <n>', 'how many records to print')
        .argParser(parseIntOption('--limit', 0, 1_000_000))
        .default(100),
    )
    .addOption(
      new Option('--offset <n>', 'records to skip first')
        .argParser(parseIntOption('--offset', 0, 1_000_000_000))
        .default(0),
    )
    .option('--include <relation>', 'also load a referenced record (repeatable)', collect, [])
    .option('--json', 'print one JSON object per line')
    .action(async (name: string, opts: FindFlags) => {
      await withDistdb(opts, async (db) => {
        const model = db.model(name);
        await checkTable(db, model);
        const records = await db.find(model, {
          ...(opts.where !== undefined ? { where: parseWhere(opts.where) } : {}),
          orderBy: opts.order.map(orderTerm),
          limit: opts.limit,
          offset: opts.offset,
          include: opts.include,
        });
        if (opts.json) {
          for (const r of records) io.out(`${escapeControl(JSON.stringify(r))}\n`);
        } else if (records.length === 0) {
          io.out(`no ${model.label} records\n`);
        } else {
          io.out(`${recordTable(model, opts.include, records)}\n`);
        }
      });
    });
}

/** Checked field by field when the query is built. */
function parseWhere(text: string): Where<Record<string, unknown>> {
  try {
    return JSON.parse(text) as Where<Record<string, unknown>>;
  } catch (err) {
    throw new DistdbError('usage', `--where: not valid JSON (${(err as Error).message})`);
  }
}

/** `score:desc` → `{score: 'desc'}`. */
function orderTerm(term: string): Record<string, 'asc' | 'desc'> {
  const [field = '', direction = 'asc', ...rest] = term.split(':');
  if (rest.length > 0 || (direction !== 'asc' && direction !== 'desc') || field === '') {
    throw new DistdbError('usage', `--order: expected FIELD or FIELD:desc, got "${truncate(term, 80)}"`);
  }
  return { [field]: direction };
}

/** Reading must not create an empty database, and a missing table deserves its own words. */
async function checkTable(db: Distdb, model: AnyModel): Promise<void> {
  for (const alias of db.aliasesOf(model, 'read')) {
    const missing = `${model.label} has no table in database "${alias}" yet: run distdb migrate`;
    if (!(await db.databaseExists(alias))) throw new DistdbError('usage', missing);
    if (!(await (await db.connection(alias)).tableExists(model.table.name)))
      throw new DistdbError('usage', missing);
  }
}

function cell(v: unknown): string | number {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return v;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function recordTable(
  model: AnyModel,
  include: readonly string[],
  records: Record<string, unknown>[],
): string {
  const headers = [...model.fields.map((f) => f.name), ...new Set(include)];
  return textTable(
    headers,
    records.map((r) => headers.map((h) => cell(r[h]))),
    '',
  );
}
