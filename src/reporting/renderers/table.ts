import { codePoints } from '../../util/text.js';
import { escapeControl } from '../escape.js';

/**
 * Plain-text table with right-aligned numbers, for terminal and Markdown-free output. Cells are
 * shown escaped (a newline or an escape sequence in data must not break the table or reach the
 * terminal), and widths are counted in code points of the escaped text.
 */
export function textTable(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  indent = '  ',
): string {
  const cells = [headers, ...rows].map((r) => r.map(escapeControl));
  const lengths = cells.map((r) => r.map(codePoints));
  const widths = headers.map((_, i) => Math.max(...lengths.map((r) => r[i] ?? 0)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  return cells
    .map(
      (r, row) =>
        indent +
        r
          .map((c, i) => {
            const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - (lengths[row]?.[i] ?? 0)));
            return numeric[i] ? pad + c : c + pad;
          })
          .join('  ')
          .trimEnd(),
    )
    .join('\n');
}
