import type { Command } from 'commander';
import { type CommonOptions, type Io, printLine, withCommonOptions, withDistdb } from '../context.js';

export function showMigrationsCommand(program: Command, io: Io): void {
  withCommonOptions(program.command('showmigrations'))
    .description('list migrations per database: [X] applied, [ ] pending; and models that differ from them')
    .option('--database <alias>', 'only this database')
    .action(async (opts: CommonOptions & { database?: string }) => {
      await withDistdb(opts, async (db) => {
        for (const d of await db.showMigrations(opts.database ? { database: opts.database } : {})) {
          printLine(io, `${d.alias} (${db.config.databases[d.alias]?.redacted ?? ''})`);
          if (d.migrations.length === 0) printLine(io, '  (no migrations for this database)');
          for (const m of d.migrations) {
            const changed = m.changed ? ' (file changed since it was applied)' : '';
            printLine(io, `  [${m.applied ? 'X' : ' '}] ${m.id}${changed}`);
          }
        }
        for (const model of await db.schemaDrift())
          printLine(io, `${model}: differs from its migrations: run \`distdb makemigrations\``);
      });
    });
}
