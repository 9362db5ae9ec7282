import { escapeControl } from '../reporting/escape.js';
import type { SimulateProgress } from '../simulation/simulate.js';
import type { Io } from './context.js';

/**
 * The line cut to the terminal's width, less one column: a line that wraps cannot be redrawn
 * in place (each redraw would leave a line behind).
 */
function fitted(line: string, columns: number | undefined): string {
  const width = Math.max(10, (columns ?? 80) - 1);
  const chars = [...line];
  return chars.length <= width ? line : `${chars.slice(0, width - 1).join('')}…`;
}

/**
 * Live progress on stderr, redrawn in place; only on an interactive terminal and never under
 * CI, NO_COLOR or --no-progress.
 */
export function progressPrinter(io: Io, options: { enabled: boolean }) {
  const env = io.env;
  const on = options.enabled && io.stderrIsTty && !env.CI && env.NO_COLOR === undefined;
  let drawn = false;
  return {
    update: on
      ? (p: SimulateProgress) => {
          const rate = p.elapsedMs > 0 ? p.done / (p.elapsedMs / 1000) : 0;
          const eta = rate > 0 ? (p.total - p.done) / rate : 0;
          const dbs = Object.entries(p.databases)
            .map(([a, d]) => `${escapeControl(a)} ${d.attempted}/${d.total}`)
            .join('  ');
          const pct = p.total > 0 ? ((p.done / p.total) * 100).toFixed(1) : '100.0';
          const line = `${p.done}/${p.total} (${pct}%) · ${Math.round(rate)} rec/s · ETA ${eta.toFixed(1)} s · ${p.failed} failed · ${dbs}`;
          io.err(`\r\x1b[2K${fitted(line, io.stderrColumns())}`);
          drawn = true;
        }
      : undefined,
    clear() {
      if (drawn) io.err('\r\x1b[2K');
      drawn = false;
    },
  };
}
