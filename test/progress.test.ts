import { describe, expect, it } from 'vitest';
// Internal: the live progress line simulate draws on an interactive terminal.
import { progressPrinter } from '../dist/cli/progress.js';

/**
 * The lines a terminal `columns` wide ends up showing for `output`: `\r` goes back to the first
 * column, ESC[2K clears the line, and text wraps onto a new line at the right edge.
 */
function screenLines(output: string, columns: number): number {
  let lines = 1;
  let column = 0;
  for (let i = 0; i < output.length; i++) {
    if (output[i] === '\r') column = 0;
    else if (output.startsWith('\x1b[2K', i)) i += 3;
    else if (++column > columns) {
      lines++;
      column = 1;
    }
  }
  return lines;
}

function printer(columns: number | undefined) {
  let written = '';
  const io = {
    out: () => {},
    err: (text: string) => {
      written += text;
    },
    stdoutIsTty: true,
    stderrIsTty: true,
    stderrColumns: () => columns,
    env: {},
  };
  return { progress: progressPrinter(io, { enabled: true }), written: () => written };
}

const update = (done: number) => ({
  done,
  total: 1_000_000,
  failed: Math.floor(done / 10),
  elapsedMs: 1000 + done / 10,
  databases: {
    default: { attempted: 0, succeeded: 0, total: 0 },
    users_primary: { attempted: done, succeeded: done, total: 400_000 },
    products_catalog: { attempted: done, succeeded: done, total: 200_000 },
    orders_archive_2026: { attempted: done, succeeded: done, total: 400_000 },
  },
});

describe('live progress', () => {
  it.each([80, 40, undefined])(
    'stays on one line of a %s-column terminal, redraw after redraw',
    (columns) => {
      const { progress, written } = printer(columns);
      for (let done = 0; done <= 1_000_000; done += 12_345) progress.update?.(update(done));
      expect(screenLines(written(), columns ?? 80)).toBe(1);
      // What fits is still shown.
      expect(written()).toMatch(/\d+\/1000000 \(/);
    },
  );
});
