import type { Command } from 'commander';
import { resetModels } from '../../simulation/simulate.js';
import { type CommonOptions, type Io, printLine, withCommonOptions, withDistdb } from '../context.js';

export function resetCommand(program: Command, io: Io): void {
  withCommonOptions(program.command('reset'))
    .description('empty the model tables (all databases, or one)')
    .option('--database <alias>', 'only this database')
    .option('--yes', 'confirm emptying databases that are not embedded SQLite files')
    .action(async (opts: CommonOptions & { database?: string; yes?: boolean }) => {
      await withDistdb(opts, async (db) => {
        const aliases = opts.database ? [db.checkAlias(opts.database)] : db.aliases;
        const removed = await resetModels(db, aliases, opts.yes ?? false);
        const entries = Object.entries(removed);
        if (entries.length === 0) printLine(io, 'nothing to reset');
        for (const [table, n] of entries) printLine(io, `emptied ${table}: ${n} rows removed`);
      });
    });
}
