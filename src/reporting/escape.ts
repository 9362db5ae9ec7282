import { escapeControl } from '../util/controlText.js';

// Defined in util so that secret scrubbing, below reporting, escapes the same way.
export { escapeControl, escapeControlLines } from '../util/controlText.js';

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Text or attribute value for HTML and SVG: record values are data, never markup. Control
 * characters are shown escaped; U+0000–U+0008 are not even allowed in XML, so in SVG.
 */
export function escapeHtml(value: string | number): string {
  return escapeControl(value).replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}

/**
 * Text for a Markdown table cell: one line (line breaks are shown as `\n`), no column breaks,
 * no emphasis or links, and markup shown as text by renderers that allow inline HTML.
 */
export function escapeMarkdown(value: string | number): string {
  return escapeControl(value)
    .replace(/[\\`*_[\]|#~!]/g, (c) => `\\${c}`)
    .replace(/[&<>]/g, (c) => HTML_ENTITIES[c] ?? c);
}
