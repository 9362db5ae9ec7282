import { type Command, InvalidArgumentError } from 'commander';
import { redactUrl } from '../db/url.js';
import { Distdb } from '../distdb.js';
import { DistdbError } from '../errors.js';
import { shopSchema } from '../examples/shop/schema.js';
import { escapeControl } from '../reporting/escape.js';
import { registerSecrets } from '../secrets.js';
import { truncate } from '../util/text.js';

/** Options every command takes. */
export interface CommonOptions {
  config?: string;
  url?: Record<string, string>;
}

function collectUrl(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) {
    // Not commander's error, which would quote the value, password and all.
    const { redacted, secrets } = redactUrl(value);
    registerSecrets(secrets);
    throw new DistdbError('usage', `--url: expected ALIAS=URL, got "${truncate(redacted, 80)}"`);
  }
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export function withCommonOptions(cmd: Command): Command {
  return cmd
    .option(
      '--config <path>',
      'configuration file (default: distdb.config.json/.js/.mjs/.ts in the current directory)',
    )
    .option(
      '--url <alias=url>',
      'database URL for an alias; overrides environment and file (repeatable)',
      collectUrl,
    );
}

/** Opens the deployment for one command and always closes it. */
export async function withDistdb<T>(options: CommonOptions, fn: (db: Distdb) => Promise<T>): Promise<T> {
  const db = await Distdb.open({
    defaultSchema: shopSchema,
    ...(options.config ? { configPath: options.config } : {}),
    urls: options.url ?? {},
  });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export function parseIntOption(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim()))
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    const n = Number(value);
    if (n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

/** Where command output goes; tests and the CLI both use process streams. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  readonly stdoutIsTty: boolean;
  readonly stderrIsTty: boolean;
  /** Width of the terminal stderr goes to, now (it changes when the window is resized). */
  stderrColumns(): number | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** One line of plain output; text from data or databases cannot split it or drive the terminal. */
export function printLine(io: Io, text: string): void {
  io.out(`${escapeControl(text)}\n`);
}
