/** Plain-text table with right-aligned numbers, for terminal and Markdown-free output. */
export function textTable(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  indent = '  ',
): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => String(c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? '')].length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  return cells
    .map(
      (r) =>
        indent +
        r
          .map((c, i) => {
            const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - [...c].length));
            return numeric[i] ? pad + c : c + pad;
          })
          .join('  ')
          .trimEnd(),
    )
    .join('\n');
}
