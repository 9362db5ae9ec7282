import { escapeHtml } from '../escape.js';

/**
 * SVG building blocks for report charts. Charts use presentation attributes only (no CSS, no
 * script), the subset both browsers and svg-to-pdfkit draw the same way.
 */
/** Narrow enough that text stays legible where a phone shrinks a chart to its screen width. */
export const CHART_WIDTH = 440;
export const CHART_FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';
/** Font sizes in chart units: labels, and ticks and annotations. */
export const FONT_SIZE = 13;
export const SMALL_FONT_SIZE = 12;

export const COLORS = {
  succeeded: '#2e7d32',
  failed: '#c62828',
  text: '#222222',
  muted: '#5f6368',
  axis: '#9e9e9e',
  grid: '#e6e6e6',
  /** One per database, in report order. */
  series: ['#1565c0', '#6a1b9a', '#ef6c00', '#00838f', '#ad1457', '#558b2f'],
} as const;

export function seriesColor(i: number): string {
  return COLORS.series[i % COLORS.series.length] ?? COLORS.text;
}

const n = (v: number) => String(Math.round(v * 100) / 100);

/** A chart's markup and its size in chart units (the viewBox), which PDF layout needs. */
export interface ChartSvg {
  readonly markup: string;
  readonly width: number;
  readonly height: number;
}

export function svgDocument(title: string, height: number, body: readonly string[]): ChartSvg {
  const markup = [
    // No width or height: the chart takes the width it is given (a page column, a PDF box).
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${CHART_WIDTH} ${n(height)}" role="img" font-family="${CHART_FONT}">`,
    `<title>${escapeHtml(title)}</title>`,
    ...body,
    '</svg>',
  ].join('\n');
  return { markup, width: CHART_WIDTH, height };
}

export function text(
  x: number,
  y: number,
  content: string,
  style: { size?: number; anchor?: 'start' | 'middle' | 'end'; color?: string; bold?: boolean } = {},
): string {
  return `<text x="${n(x)}" y="${n(y)}" font-size="${style.size ?? FONT_SIZE}" text-anchor="${style.anchor ?? 'start'}" fill="${style.color ?? COLORS.text}"${style.bold ? ' font-weight="bold"' : ''}>${escapeHtml(content)}</text>`;
}

export function rect(x: number, y: number, width: number, height: number, fill: string): string {
  return `<rect x="${n(x)}" y="${n(y)}" width="${n(Math.max(0, width))}" height="${n(Math.max(0, height))}" fill="${fill}"/>`;
}

export function line(x1: number, y1: number, x2: number, y2: number, stroke: string, dashed = false): string {
  return `<line x1="${n(x1)}" y1="${n(y1)}" x2="${n(x2)}" y2="${n(y2)}" stroke="${stroke}" stroke-width="1"${dashed ? ' stroke-dasharray="4 3"' : ''}/>`;
}

/** Width of text in chart units, on the generous side (DejaVu Sans is wide) so nothing is clipped. */
export function textWidth(s: string, size = FONT_SIZE): number {
  return [...s].length * size * 0.62;
}

/** A colour swatch and its label; returns the markup and where the next item can start. */
export function legendItem(x: number, y: number, color: string, label: string): [string, number] {
  return [
    `${rect(x, y - 10, 11, 11, color)}${text(x + 15, y, label, { color: COLORS.muted, size: SMALL_FONT_SIZE })}`,
    x + 28 + textWidth(label, SMALL_FONT_SIZE),
  ];
}

/** Round axis ticks from 0 to at least `max`: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let i = 0; i * step < max + step * 1e-9; i++) ticks.push(roundTick(i * step));
  if ((ticks.at(-1) ?? 0) < max) ticks.push(roundTick(ticks.length * step));
  return ticks;
}

function roundTick(v: number): number {
  return Number(v.toPrecision(12));
}

/** Short tick label: 0.05, 2, 150, 12k. */
export function tickLabel(v: number): string {
  if (v >= 10_000) return `${Number((v / 1000).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

/** Database aliases are short by convention; a long one must not run into the plot. */
export function truncateLabel(s: string, max = 15): string {
  const chars = [...s];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : s;
}
