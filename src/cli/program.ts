import { Command } from 'commander';
import { VERSION } from '../version.js';
import { databasesCommand } from './commands/databases.js';
import { migrateCommand } from './commands/migrate.js';
import { reportCommand } from './commands/report.js';
import { resetCommand } from './commands/reset.js';
import { routesCommand } from './commands/routes.js';
import { runsCommand } from './commands/runs.js';
import { showMigrationsCommand } from './commands/showmigrations.js';
import { simulateCommand } from './commands/simulate.js';
import type { Io } from './context.js';

/** The command tree; a thin layer over the library. */
export function buildProgram(io: Io): Command {
  const program = new Command('distdb')
    .description("Run one application's data across several databases")
    .version(VERSION)
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      // Commander's own errors (bad flags) read like every other distdb error.
      outputError: (s, write) => write(`distdb: ${s}`),
    })
    // Settings set before .command() are inherited by every subcommand.
    .exitOverride();
  migrateCommand(program, io);
  showMigrationsCommand(program, io);
  routesCommand(program, io);
  simulateCommand(program, io);
  resetCommand(program, io);
  databasesCommand(program, io);
  runsCommand(program, io);
  reportCommand(program, io);
  return program;
}
