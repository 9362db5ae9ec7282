const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text or attribute value for HTML and SVG: record values are data, never markup. */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}

/**
 * Text for a Markdown table cell: one line, no column breaks, no emphasis or links, and markup
 * shown as text by renderers that allow inline HTML.
 */
export function escapeMarkdown(value: string | number): string {
  return String(value)
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/[\\`*_[\]|#~!]/g, (c) => `\\${c}`)
    .replace(/[&<>]/g, (c) => HTML_ENTITIES[c] ?? c);
}
