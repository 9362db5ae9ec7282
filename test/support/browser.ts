import { type Browser, chromium } from 'playwright-core';
import { findProgram } from './prerequisites.js';

/** CHROMIUM_PATH, else `chromium` on PATH (Debian's `apt-get install chromium`, as .ci/run does). */
export const CHROMIUM_PATH = findProgram(process.env.CHROMIUM_PATH ?? 'chromium');

/** Why headless Chromium cannot be started here, or undefined when it can. */
export function chromiumUnavailable(): string | undefined {
  if (CHROMIUM_PATH !== undefined) return undefined;
  return process.env.CHROMIUM_PATH
    ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} is not an executable file`
    : 'chromium not found on PATH (apt-get install chromium, or set CHROMIUM_PATH)';
}

/** Headless Chromium with nothing running in the background that could make requests of its own. */
export async function launchChromium(): Promise<Browser> {
  const missing = chromiumUnavailable();
  if (missing !== undefined) throw new Error(`headless Chromium: ${missing}`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
