import type { MigrationStep } from './migrations.js';

/** Widest line; with it the text is what the project's formatter (Biome, Prettier) makes of it. */
const WIDTH = 110;

const scalar = (v: unknown): string => (typeof v === 'bigint' ? v.toString() : JSON.stringify(v));

/**
 * JSON text of `v` at nesting `depth`, its first line starting at column `start` and followed by
 * `tail` characters. Objects are always expanded; a list of texts stays on one line when it fits.
 */
function write(v: unknown, depth: number, start: number, tail: number): string {
  const pad = '  '.repeat(depth + 1);
  const close = '  '.repeat(depth);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    if (v.every((x) => typeof x === 'string')) {
      const inline = `[${v.map(scalar).join(', ')}]`;
      if (start + inline.length + tail <= WIDTH) return inline;
    }
    const items = v.map((x, i) => pad + write(x, depth + 1, pad.length, i < v.length - 1 ? 1 : 0));
    return `[\n${items.join(',\n')}\n${close}]`;
  }
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return '{}';
    const members = entries.map(([k, x], i) => {
      const head = `${pad}${JSON.stringify(k)}: `;
      return head + write(x, depth + 1, head.length, i < entries.length - 1 ? 1 : 0);
    });
    return `{\n${members.join(',\n')}\n${close}}`;
  }
  return scalar(v);
}

/** The text of a migration file: `{ "operations": [...] }`, each step's model and kind first. */
export function migrationFileText(steps: readonly MigrationStep[]): string {
  const operations = steps.map(({ model, kind, ...rest }) => ({ model, kind, ...rest }));
  return `${write({ operations }, 0, 0, 0)}\n`;
}
