import { type Command, Option } from 'commander';
import { DistdbError } from '../../errors.js';
import { renderJson } from '../../reporting/renderers/json.js';
import { renderTerminal } from '../../reporting/renderers/terminal.js';
import { canonicalDataset } from '../../simulation/datasets/canonical.js';
import type { Dataset } from '../../simulation/datasets/dataset.js';
import { loadDatasetFile } from '../../simulation/datasets/loadDatasetFile.js';
import { MAX_THREADS, simulate } from '../../simulation/simulate.js';
import { type CommonOptions, type Io, parseIntOption, withCommonOptions, withDistdb } from '../context.js';
import { progressPrinter } from '../progress.js';

interface SimulateFlags extends CommonOptions {
  threads: number;
  dataset: string;
  json?: boolean;
  reset?: boolean;
  append?: boolean;
  yes?: boolean;
  progress: boolean;
}

export function loadDataset(spec: string): Dataset {
  return spec === 'canonical' ? canonicalDataset() : loadDatasetFile(spec);
}

export function simulateCommand(program: Command, io: Io): void {
  withCommonOptions(program.command('simulate'))
    .description(
      'insert a dataset concurrently from worker threads, validate every record and report the outcome',
    )
    .addOption(
      new Option('--threads <n>', `worker threads (1-${MAX_THREADS})`)
        .argParser(parseIntOption('--threads', 1, MAX_THREADS))
        .default(10),
    )
    .option('--dataset <canonical|path.json>', 'records to insert', 'canonical')
    .option('--json', 'print the report as one JSON document on stdout')
    .addOption(new Option('--reset', 'empty the model tables first').conflicts('append'))
    .option('--append', 'keep rows already in the tables (duplicates of them fail as duplicates)')
    .option('--yes', 'confirm --reset of databases that are not embedded SQLite files')
    .option('--no-progress', 'no live progress on stderr')
    .action(async (opts: SimulateFlags) => {
      // The dataset is read before anything is opened, so a bad file writes nothing.
      const dataset = loadDataset(opts.dataset);
      await withDistdb(opts, async (db) => {
        const progress = progressPrinter(io, { enabled: opts.progress && !opts.json });
        let report: Awaited<ReturnType<typeof simulate>>;
        try {
          report = await simulate(db, {
            threads: opts.threads,
            dataset,
            existing: opts.reset ? 'reset' : opts.append ? 'append' : 'refuse',
            confirmReset: opts.yes ?? false,
            onProgress: progress.update,
          });
        } catch (err) {
          progress.clear();
          const partial = (err as { report?: Parameters<typeof renderTerminal>[0] }).report;
          if (partial && err instanceof DistdbError) {
            if (opts.json) io.out(renderJson(partial));
            else io.err(renderTerminal(partial, { maxFailures: 10 }));
          }
          throw err;
        }
        progress.clear();
        io.out(opts.json ? renderJson(report) : renderTerminal(report));
      });
    });
}
