import type { Command } from 'commander';
import { displayPath } from '../../migrations/migrationFiles.js';
import type { MigrationStep } from '../../migrations/migrations.js';
import { type CommonOptions, type Io, printLine, withCommonOptions, withDistdb } from '../context.js';

/** One line per step: what it does to which model's table. */
function describeStep(step: MigrationStep): string {
  switch (step.kind) {
    case 'createTable':
      return `+ ${step.model}: create table ${step.table.name}`;
    case 'dropTable':
      return `- ${step.model}: drop table ${step.table}`;
    case 'addColumn':
      return `+ ${step.model}: add field ${step.column.name}`;
    case 'dropColumn':
      return `- ${step.model}: remove field ${step.column}`;
    case 'addUnique':
      return `+ ${step.model}: add unique ${step.unique.name} on ${step.unique.column}`;
    case 'dropUnique':
      return `- ${step.model}: drop unique ${step.unique.name}`;
    case 'recreateUnique':
      return `~ ${step.model}: rebuild unique ${step.unique.name} on ${step.unique.column}`;
    case 'createIndex':
      return `+ ${step.model}: create index ${step.index.name} on ${step.index.columns.join(', ')}`;
    case 'dropIndex':
      return `- ${step.model}: drop index ${step.index.name}`;
    case 'widenColumn':
      return `~ ${step.model}: widen field ${step.column.name}`;
  }
}

export function makeMigrationsCommand(program: Command, io: Io): void {
  withCommonOptions(program.command('makemigrations'))
    .description('write the next migration file with what changed in the models since the last one')
    .option('--name <name>', 'name of the new migration (default: derived from its steps)')
    .action(async (opts: CommonOptions & { name?: string }) => {
      await withDistdb(opts, async (db) => {
        const r = await db.makeMigrations(opts.name === undefined ? {} : { name: opts.name });
        if (r.status === 'unchanged') {
          printLine(io, 'No changes: the migrations match the models.');
          return;
        }
        printLine(io, `Wrote ${displayPath(r.file)}`);
        for (const step of r.steps) printLine(io, `  ${describeStep(step)}`);
        for (const s of r.steps)
          if (s.kind === 'dropColumn')
            printLine(
              io,
              `Warning: field ${s.model}.${s.column} is gone: migrate drops its column and the values in it`,
            );
        for (const d of r.dropped)
          printLine(
            io,
            `Warning: model ${d.model} is gone: migrate drops table ${d.table} and every row in it`,
          );
      });
    });
}
