import type { Command } from 'commander';
import { type CommonOptions, type Io, withCommonOptions, withDistdb } from '../context.js';

export function showMigrationsCommand(program: Command, io: Io): void {
  withCommonOptions(program.command('showmigrations'))
    .description('list migrations per database: [X] applied, [ ] pending')
    .option('--database <alias>', 'only this database')
    .action(async (opts: CommonOptions & { database?: string }) => {
      await withDistdb(opts, async (db) => {
        for (const d of await db.showMigrations(opts.database ? { database: opts.database } : {})) {
          io.out(`${d.alias} (${db.config.databases[d.alias]?.redacted ?? ''})\n`);
          if (d.migrations.length === 0) io.out('  (no migrations for this database)\n');
          for (const m of d.migrations) io.out(`  [${m.applied ? 'X' : ' '}] ${m.id}\n`);
        }
      });
    });
}
