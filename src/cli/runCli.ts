import { CommanderError } from 'commander';
import { DistdbError, errorMessage } from '../errors.js';
import { escapeControl, escapeControlLines } from '../reporting/escape.js';
import { scrub } from '../secrets.js';
import type { Io } from './context.js';
import { buildProgram } from './program.js';
import { cliMessage } from './wording.js';

const io: Io = {
  out: (text) => process.stdout.write(scrub(text)),
  err: (text) => process.stderr.write(scrub(text)),
  stdoutIsTty: Boolean(process.stdout.isTTY),
  stderrIsTty: Boolean(process.stderr.isTTY),
  stderrColumns: () => process.stderr.columns,
  env: process.env,
};

/**
 * The only place that turns errors into exit codes: one line, no stack trace. Messages quote
 * data and driver text, so they are escaped: the whole message shows, on one line.
 */
export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed its message; help and version are not errors.
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      )
        return 0;
      return 2;
    }
    if (err instanceof DistdbError) {
      io.err(`distdb: error: ${escapeControl(cliMessage(err))}\n`);
      return err.exitCode;
    }
    io.err(`distdb: unexpected error: ${escapeControl(errorMessage(err))}\n`);
    if (process.env.DISTDB_DEBUG && err instanceof Error && err.stack)
      io.err(`${escapeControlLines(err.stack)}\n`);
    return 1;
  }
}
