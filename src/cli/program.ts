import { Command } from 'commander';
import { escapeControl, escapeControlLines } from '../reporting/escape.js';
import { VERSION } from '../version.js';
import { databasesCommand } from './commands/databases.js';
import { findCommand } from './commands/find.js';
import { makeMigrationsCommand } from './commands/makemigrations.js';
import { migrateCommand } from './commands/migrate.js';
import { recoverCommand } from './commands/recover.js';
import { reportCommand } from './commands/report.js';
import { resetCommand } from './commands/reset.js';
import { reshardCommand } from './commands/reshard.js';
import { routesCommand } from './commands/routes.js';
import { runsCommand } from './commands/runs.js';
import { shardsCommand } from './commands/shards.js';
import { showMigrationsCommand } from './commands/showmigrations.js';
import { simulateCommand } from './commands/simulate.js';
import type { Io } from './context.js';

/**
 * Commander quotes arguments in its errors, so an argument's newline or escape sequence would
 * reach the terminal: the error is escaped into one line, its own "Did you mean" kept after a
 * space.
 */
function oneLineError(message: string): string {
  return escapeControl(message.trimEnd().replace(/\n(?=\(Did you mean )/, ' '));
}

/** The command tree; a thin layer over the library. */
export function buildProgram(io: Io): Command {
  const program = new Command('distdb')
    .description("Run one application's data across several databases")
    .version(VERSION)
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (s) => io.out(escapeControlLines(s)),
      writeErr: (s) => io.err(escapeControlLines(s)),
      // Commander's own errors (bad flags) read like every other distdb error, on one line.
      outputError: (s, write) => write(`distdb: ${oneLineError(s)}\n`),
    })
    // Settings set before .command() are inherited by every subcommand.
    .exitOverride();
  makeMigrationsCommand(program, io);
  migrateCommand(program, io);
  showMigrationsCommand(program, io);
  routesCommand(program, io);
  simulateCommand(program, io);
  resetCommand(program, io);
  databasesCommand(program, io);
  shardsCommand(program, io);
  reshardCommand(program, io);
  recoverCommand(program, io);
  findCommand(program, io);
  runsCommand(program, io);
  reportCommand(program, io);
  return program;
}
