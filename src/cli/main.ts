#!/usr/bin/env node
import { EARLY_THREADS, prebootWorkers } from '../simulation/pipeline/threads.js';

/**
 * How many threads a `simulate` starts before anything else: they boot while the rest of the
 * CLI loads, which is most of a small run's time. None for help.
 */
function earlyThreads(argv: readonly string[]): number {
  if (argv[2] !== 'simulate' || argv.includes('--help') || argv.includes('-h')) return 0;
  const at = argv.findIndex((a) => a === '--threads' || a.startsWith('--threads='));
  const given = at < 0 ? undefined : argv[at]?.startsWith('--threads=') ? argv[at]?.slice(10) : argv[at + 1];
  const n = given === undefined ? EARLY_THREADS : Number(given);
  return Number.isInteger(n) && n > 0 ? Math.min(n, EARLY_THREADS) : 0;
}

prebootWorkers(earlyThreads(process.argv));
const { runCli } = await import('./runCli.js');
process.exitCode = await runCli(process.argv);
