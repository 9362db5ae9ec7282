import type { Command } from 'commander';
import { DistdbError } from '../../errors.js';
import { type CommonOptions, type Io, printLine, withCommonOptions, withDistdb } from '../context.js';

export function migrateCommand(program: Command, io: Io): void {
  withCommonOptions(program.command('migrate'))
    .description('apply pending migrations to every database, or one')
    .option('--database <alias>', 'only this database')
    .action(async (opts: CommonOptions & { database?: string }) => {
      await withDistdb(opts, async (db) => {
        const results = await db.migrate(opts.database ? { database: opts.database } : {});
        let failed: string | undefined;
        for (const r of results) {
          const url = db.config.databases[r.alias]?.redacted ?? '';
          printLine(io, `${r.alias} (${url})`);
          for (const id of r.applied) printLine(io, `  applied ${id}`);
          if (r.status === 'failed') {
            printLine(io, `  FAILED ${r.failed}: ${r.error}`);
            failed ??= `migration ${r.failed} failed on database "${r.alias}": ${r.error}`;
          } else if (r.applied.length === 0) printLine(io, '  no migrations to apply');
        }
        if (failed) throw new DistdbError('migration', failed);
      });
    });
}
