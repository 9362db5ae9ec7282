import { type Command, Option } from 'commander';
import type { Distdb } from '../../distdb.js';
import { formatPercent, formatSeconds, formatTime } from '../../reporting/renderers/sections.js';
import { textTable } from '../../reporting/renderers/table.js';
import { RunStore } from '../../runs/runStore.js';
import { RUNS_TABLE } from '../../schema/distdbTables.js';
import { type CommonOptions, type Io, parseIntOption, withCommonOptions, withDistdb } from '../context.js';

interface RunsFlags extends CommonOptions {
  limit: number;
  json?: boolean;
}

/** Run history where runs are read from; undefined when nothing was ever recorded there. */
export async function openRunStore(db: Distdb): Promise<RunStore | undefined> {
  const alias = db.checkAlias(db.router.dbForRead('Run').value);
  // Listing runs in a directory that never had any must not create a database there.
  if (!(await db.databaseExists(alias))) return undefined;
  const conn = await db.connection(alias);
  return (await conn.tableExists(RUNS_TABLE.name)) ? new RunStore(conn, alias) : undefined;
}

/** Long dataset paths keep their end, where the file name is. */
function tail(s: string, max = 40): string {
  const chars = [...s];
  return chars.length > max ? `…${chars.slice(-(max - 1)).join('')}` : s;
}

export function runsCommand(program: Command, io: Io): void {
  withCommonOptions(program.command('runs'))
    .description('list past simulation runs, newest first')
    .addOption(
      new Option('--limit <n>', 'how many runs to list')
        .argParser(parseIntOption('--limit', 1, 100_000))
        .default(20),
    )
    .option('--json', 'print the runs as one JSON array')
    .action(async (opts: RunsFlags) => {
      await withDistdb(opts, async (db) => {
        const store = await openRunStore(db);
        const runs = store ? await store.list(opts.limit) : [];
        if (opts.json) {
          io.out(`${JSON.stringify(runs, null, 2)}\n`);
          return;
        }
        if (runs.length === 0) {
          io.out('no runs yet: distdb simulate records one\n');
          return;
        }
        const rows = runs.map((r) => [
          r.id,
          formatTime(r.startedAt),
          tail(r.dataset),
          r.threads,
          r.status,
          r.attempted === null ? '-' : `${r.succeeded ?? 0}/${r.attempted}`,
          r.successRate === null ? '-' : formatPercent(r.successRate),
          r.durationMs === null ? '-' : formatSeconds(r.durationMs),
        ]);
        io.out(
          `${textTable(['id', 'started', 'dataset', 'threads', 'status', 'succeeded', 'success', 'duration'], rows, '')}\n`,
        );
      });
    });
}
