import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Distdb } from '../../distdb.js';
import { DistdbError } from '../../errors.js';
import { renderJson } from '../../reporting/renderers/json.js';
import { renderTerminal } from '../../reporting/renderers/terminal.js';
import { canonicalDataset } from '../../simulation/datasets/canonical.js';
import type { Dataset } from '../../simulation/datasets/dataset.js';
import { type GeneratorSpec, generatedName, loadGenerator } from '../../simulation/datasets/generator.js';
import { loadDatasetFile } from '../../simulation/datasets/loadDatasetFile.js';
import { evenSplit } from '../../simulation/datasets/split.js';
import { DEFAULT_THREADS, MAX_THREADS, simulate } from '../../simulation/simulate.js';
import { type CommonOptions, type Io, parseIntOption, withCommonOptions, withDistdb } from '../context.js';
import { progressPrinter } from '../progress.js';
import { cliMessage } from '../wording.js';
import { emitReport } from './report.js';

interface SimulateFlags extends CommonOptions {
  threads: number;
  dataset: string;
  json?: boolean;
  reset?: boolean;
  append?: boolean;
  yes?: boolean;
  progress: boolean;
  records?: number;
  users?: number;
  products?: number;
  orders?: number;
  count?: Record<string, number>;
  invalidRatio: number;
  seed: number;
  resume?: number;
  atomic?: boolean;
  report?: 'pdf' | 'html' | 'md' | 'json';
  out?: string;
}

const MAX_RECORDS = 1_000_000_000;

/** The table counts given by the shop's own flags (`--users N` is the count of table users). */
const TABLE_FLAGS = ['users', 'products', 'orders'] as const;

export async function loadDataset(db: Distdb, opts: SimulateFlags): Promise<Dataset> {
  const generatorFlags = (['records', ...TABLE_FLAGS, 'count'] as const).filter((k) => opts[k] !== undefined);
  if (opts.dataset !== 'generated') {
    if (generatorFlags.length > 0) {
      throw new DistdbError('usage', `--${generatorFlags[0]} needs --dataset generated`);
    }
    return opts.dataset === 'canonical'
      ? canonicalDataset(db.config)
      : loadDatasetFile(opts.dataset, db.models);
  }
  const generator = await loadGenerator(db.config.generator);
  const total = opts.records ?? 10_000;
  const counts: Record<string, number> = generator.split?.(total, db.models) ?? evenSplit(total, db.models);
  for (const table of TABLE_FLAGS) {
    const n = opts[table];
    if (n === undefined) continue;
    if (!db.models.some((m) => m.datasetKey === table)) {
      throw new DistdbError('usage', `--${table}: no model has the table ${table}`);
    }
    counts[table] = n;
  }
  for (const [name, n] of Object.entries(opts.count ?? {})) {
    const model = db.models.find((m) => m.label === name || m.name === name || m.datasetKey === name);
    if (!model) {
      throw new DistdbError(
        'usage',
        `--count: unknown model "${name}" (models: ${db.models.map((m) => m.label).join(', ')})`,
      );
    }
    counts[model.datasetKey] = n;
  }
  const spec: GeneratorSpec = { seed: opts.seed, counts, invalidRatio: opts.invalidRatio };
  return { kind: 'generated', name: generatedName(spec), spec };
}

function collectCount(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const m = /^([A-Za-z][A-Za-z0-9_]*)=(\d+)$/.exec(value.trim());
  const n = Number(m?.[2]);
  if (!m?.[1] || !Number.isSafeInteger(n) || n > MAX_RECORDS) {
    throw new InvalidArgumentError(`--count must be MODEL=N with N from 0 to ${MAX_RECORDS}, got "${value}"`);
  }
  return { ...previous, [m[1]]: n };
}

function parseRatio(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new InvalidArgumentError('--invalid-ratio must be a number from 0 to 1');
  }
  return n;
}

/** Which records a run inserts: the canonical dataset, a file, or generated records. */
function datasetOptions(cmd: Command): Command {
  return cmd
    .option('--dataset <canonical|generated|path.json>', 'records to insert', 'canonical')
    .addOption(
      new Option(
        '--records <n>',
        'generated: total records, shared among the models (the shop: 40% users, 20% products, 40% orders)',
      ).argParser(parseIntOption('--records', 1, MAX_RECORDS)),
    )
    .addOption(
      new Option('--users <n>', 'generated: number of users').argParser(
        parseIntOption('--users', 0, MAX_RECORDS),
      ),
    )
    .addOption(
      new Option('--products <n>', 'generated: number of products').argParser(
        parseIntOption('--products', 0, MAX_RECORDS),
      ),
    )
    .addOption(
      new Option('--orders <n>', 'generated: number of orders').argParser(
        parseIntOption('--orders', 0, MAX_RECORDS),
      ),
    )
    .option('--count <model=n>', 'generated: number of records of one model (repeatable)', collectCount)
    .addOption(
      new Option('--invalid-ratio <r>', 'generated: share of bad records (0-1)')
        .argParser(parseRatio)
        .default(0.1),
    )
    .addOption(
      new Option('--seed <n>', 'generated: random seed (same seed, same records)')
        .argParser(parseIntOption('--seed', 0, 2 ** 31 - 1))
        .default(1),
    );
}

/** What a run does with rows already stored, its progress, resuming and the report file. */
function runOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print the report as one JSON document on stdout')
    .addOption(new Option('--reset', 'empty the model tables first').conflicts('append'))
    .option('--append', 'keep rows already in the tables (duplicates of them fail as duplicates)')
    .option('--yes', 'confirm --reset of databases that are not embedded SQLite files')
    .option('--no-progress', 'no live progress on stderr')
    .option(
      '--atomic',
      'commit each record drawing on a stock (an order) with the decrement of that stock in one transaction across their databases, then check the books',
    )
    .addOption(
      new Option(
        '--resume <run>',
        'finish an interrupted run: keep what it committed, run the rest of its dataset',
      )
        .argParser(parseIntOption('--resume', 1, Number.MAX_SAFE_INTEGER))
        .conflicts(['reset', 'append']),
    )
    .addOption(
      new Option('--report <format>', 'also write the report to a file at the end').choices([
        'pdf',
        'html',
        'md',
        'json',
      ]),
    )
    .option('--out <file>', 'file for --report (default: distdb-run-<id>.<ext> in the current directory)');
}

async function runSimulate(io: Io, opts: SimulateFlags, cmd: Command): Promise<void> {
  // A resumed run keeps its own thread count unless --threads is given.
  const threads =
    opts.resume !== undefined && cmd.getOptionValueSource('threads') === 'default' ? undefined : opts.threads;
  if (opts.out && !opts.report) throw new DistdbError('usage', '--out needs --report <format>');
  await withDistdb(opts, async (db) => {
    // The dataset is read before any database is opened, so a bad file writes nothing.
    // A resumed run takes its dataset from the run's record.
    const dataset = opts.resume === undefined ? await loadDataset(db, opts) : undefined;
    const progress = progressPrinter(io, { enabled: opts.progress && !opts.json });
    let report: Awaited<ReturnType<typeof simulate>>;
    try {
      report = await simulate(db, {
        ...(threads !== undefined ? { threads } : {}),
        ...(dataset ? { dataset } : {}),
        ...(opts.resume !== undefined ? { resume: opts.resume } : {}),
        ...(opts.atomic ? { atomic: true } : {}),
        existing: opts.reset ? 'reset' : opts.append ? 'append' : 'refuse',
        confirmReset: opts.yes ?? false,
        onProgress: progress.update,
      });
    } catch (err) {
      progress.clear();
      const partial = (err as { report?: Parameters<typeof renderTerminal>[0] }).report;
      if (partial && err instanceof DistdbError) {
        // The stored report says what the run did; the error stays one line.
        if (opts.json) io.out(renderJson(partial));
        throw new DistdbError(
          err.kind,
          `${cliMessage(err)} (run ${partial.run} stopped: finish it with --resume ${partial.run})`,
          {
            cause: err.cause,
          },
        );
      }
      throw err;
    }
    progress.clear();
    io.out(opts.json ? renderJson(report) : renderTerminal(report));
    if (opts.report) await emitReport(io, report, opts.report, { out: opts.out, toFile: true });
    const mismatches = report.expectations?.mismatches ?? 0;
    if (mismatches > 0) {
      throw new DistdbError(
        'mismatch',
        `${mismatches} records did not get the outcome the generator intended`,
      );
    }
    const books = report.atomic?.stock;
    if (books && !books.holds) {
      throw new DistdbError(
        'mismatch',
        `the books do not balance: initial stock ${books.initial}, left ${books.left} + drawn ${books.drawn}`,
      );
    }
  });
}

export function simulateCommand(program: Command, io: Io): void {
  const cmd = withCommonOptions(program.command('simulate'))
    .description(
      'insert a dataset concurrently from worker threads, validate every record and report the outcome',
    )
    .addOption(
      new Option('--threads <n>', `worker threads (1-${MAX_THREADS})`)
        .argParser(parseIntOption('--threads', 1, MAX_THREADS))
        .default(DEFAULT_THREADS),
    );
  runOptions(datasetOptions(cmd)).action((opts: SimulateFlags, command: Command) =>
    runSimulate(io, opts, command),
  );
}
