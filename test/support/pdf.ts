/**
 * PDFs read back with pdfjs-dist (no system programs): page sizes, the text of each page in reading
 * order, the fonts the pages use, and page pictures through @napi-rs/canvas.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type {
  PDFDocumentProxy,
  PDFPageProxy,
  RenderParameters,
  TextItem,
  TextMarkedContent,
} from 'pdfjs-dist/types/src/display/api.js';

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');

const require = createRequire(import.meta.url);
const PDFJS_DIR = dirname(require.resolve('pdfjs-dist/package.json'));
const PDFJS_URL = pathToFileURL(join(PDFJS_DIR, 'legacy/build/pdf.mjs')).href;

/** Options for every document; plain data, so a child process can be given the same. */
const DOCUMENT_OPTIONS = {
  // Only errors are printed; pdfjs warns about every font feature it does not use.
  verbosity: 0,
  isEvalSupported: false,
  // Where pdfjs finds the 14 standard fonts should a PDF use one without embedding it.
  standardFontDataUrl: `${join(PDFJS_DIR, 'standard_fonts')}/`,
  // Keeps the font type and CMap in the parsed fonts, which `readPdf` reports.
  fontExtraProperties: true,
};

/**
 * pdfjs makes a DOMMatrix as it loads. Node has none; pdfjs takes @napi-rs/canvas's, and without
 * that package only drawing is impossible: an empty stand-in lets pdfjs load to read text and fonts.
 */
function standInDomMatrix(): void {
  (globalThis as { DOMMatrix?: unknown }).DOMMatrix ??= class DOMMatrix {};
}

let pdfjs: Promise<PdfJs> | undefined;
function loadPdfjs(): Promise<PdfJs> {
  if (canvasUnavailable() !== undefined) standInDomMatrix();
  pdfjs ??= import(PDFJS_URL) as Promise<PdfJs>;
  return pdfjs;
}

export interface PdfPage {
  /** Size in points (1/72 inch). */
  readonly width: number;
  readonly height: number;
  /** Lines top to bottom, each line's text left to right; see `layoutText`. */
  readonly text: string;
}

export interface PdfFont {
  /** The font's name in the PDF, subset tag included (e.g. BZZZZZ+DejaVuSans). */
  readonly name: string;
  /** The font program's type; CIDFontType2 is what pdffonts calls "CID TrueType". */
  readonly type: string;
  /** A Type0 font over a CID font. */
  readonly composite: boolean;
  /** The font program is in the file (pdfjs did not have to substitute one). */
  readonly embedded: boolean;
  /** Identity-H: 2-byte codes written horizontally, each code the glyph's CID as it is. */
  readonly identityH: boolean;
}

export interface PdfContent {
  readonly pages: readonly PdfPage[];
  /** Every page's text, pages separated by a form feed. */
  readonly text: string;
  /** Each font used on some page, once. */
  readonly fonts: readonly PdfFont[];
}

async function openPdf(file: string): Promise<PDFDocumentProxy> {
  const { getDocument } = await loadPdfjs();
  const data = new Uint8Array(readFileSync(file));
  return getDocument({ ...DOCUMENT_OPTIONS, data }).promise;
}

async function withPdf<T>(file: string, use: (doc: PDFDocumentProxy) => Promise<T>): Promise<T> {
  const doc = await openPdf(file);
  try {
    return await use(doc);
  } finally {
    await doc.destroy();
  }
}

export async function readPdf(file: string): Promise<PdfContent> {
  return withPdf(file, async (doc) => {
    const pages: PdfPage[] = [];
    const fonts = new Map<string, PdfFont>();
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const [x0, y0, x1, y1] = page.view as [number, number, number, number];
      const { items } = await page.getTextContent();
      pages.push({ width: x1 - x0, height: y1 - y0, text: layoutText(items) });
      for (const font of await pageFonts(page)) fonts.set(font.name, font);
    }
    return { pages, text: pages.map((p) => p.text).join('\f'), fonts: [...fonts.values()] };
  });
}

/** The fields of a font pdfjs has parsed that tell how it is stored (kept by `fontExtraProperties`). */
interface ParsedFont {
  name?: string;
  type?: string;
  composite?: boolean;
  missingFile?: boolean;
  data?: Uint8Array;
  cMap?: { vertical?: boolean; codespaceRanges?: number[][]; _map?: unknown[] };
}

/** The fonts the page's drawing operators select, as pdfjs parsed them to draw the page. */
async function pageFonts(page: PDFPageProxy): Promise<PdfFont[]> {
  const { OPS } = await loadPdfjs();
  const { fnArray, argsArray } = await page.getOperatorList();
  const ids = new Set<string>();
  fnArray.forEach((fn, i) => {
    if (fn === OPS.setFont) ids.add(String(argsArray[i][0]));
  });
  return [...ids].map((id) => describeFont(page.commonObjs.get(id) as ParsedFont));
}

function describeFont(f: ParsedFont): PdfFont {
  return {
    name: f.name ?? '',
    type: f.type ?? '',
    composite: f.composite === true,
    embedded: f.missingFile === false && (f.data?.length ?? 0) > 0,
    identityH: f.composite === true && isIdentityH(f.cMap),
  };
}

/**
 * pdfjs turns Identity-H (named, or an embedded CMap that maps every code to itself) into a CMap
 * with one 2-byte range 0000-FFFF and no code-by-code mapping; any other CMap has mappings.
 */
function isIdentityH(cMap: ParsedFont['cMap']): boolean {
  if (cMap?.vertical !== false) return false;
  // codespaceRanges[n - 1] holds the ranges of n-byte codes, as [low, high, low, high, ...].
  const ranges = cMap.codespaceRanges ?? [];
  const used = ranges.flatMap((r, i) => (r.length > 0 ? [{ bytes: i + 1, r }] : []));
  return (
    used.length === 1 &&
    used[0]?.bytes === 2 &&
    used[0].r.join() === '0,65535' &&
    (cMap._map?.length ?? 0) === 0
  );
}

interface Run {
  readonly str: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly size: number;
}

function toRun(item: TextItem | TextMarkedContent): Run | undefined {
  // Whitespace-only items are pdfjs' own end-of-line and gap markers: gaps are measured instead.
  if (!('str' in item) || item.str.trim() === '') return undefined;
  const [a, b, c, d, x, y] = item.transform as number[];
  const size = Math.hypot(c ?? 0, d ?? 0) || Math.hypot(a ?? 0, b ?? 0);
  return { str: item.str, x: x ?? 0, y: y ?? 0, width: item.width, size };
}

/**
 * A page's text as lines, like `pdftotext -layout` without its column padding: runs whose
 * baselines lie within a third of the font size form a line; a line's runs are ordered by x and
 * joined by one space where a gap separates them (by nothing where they touch).
 */
export function layoutText(items: readonly (TextItem | TextMarkedContent)[]): string {
  const runs = items.flatMap((i) => toRun(i) ?? []).sort((p, q) => q.y - p.y || p.x - q.x);
  const lines: Run[][] = [];
  for (const run of runs) {
    const line = lines.at(-1);
    const first = line?.[0];
    if (line && first && Math.abs(first.y - run.y) <= Math.min(first.size, run.size) / 3) line.push(run);
    else lines.push([run]);
  }
  return lines.map(joinLine).join('\n');
}

function joinLine(line: Run[]): string {
  const sorted = [...line].sort((p, q) => p.x - q.x);
  let text = '';
  let end = Number.NEGATIVE_INFINITY;
  for (const run of sorted) {
    const gap = run.x - end;
    if (text !== '' && gap > run.size * 0.15 && !/\s$/.test(text) && !/^\s/.test(run.str)) text += ' ';
    text += run.str;
    end = Math.max(end, run.x + run.width);
  }
  return text;
}

/**
 * The same text as `readPdf(file).text`, for callers that cannot await: a child process returns
 * the text items, laid out here.
 */
export function pdfTextSync(file: string): string {
  const script = `
    ${canvasUnavailable() === undefined ? '' : 'globalThis.DOMMatrix ??= class DOMMatrix {};'}
    const pdfjs = await import(${JSON.stringify(PDFJS_URL)});
    const { readFileSync } = await import('node:fs');
    const data = new Uint8Array(readFileSync(process.argv[1]));
    const doc = await pdfjs.getDocument({ ...${JSON.stringify(DOCUMENT_OPTIONS)}, data }).promise;
    const pages = [];
    for (let n = 1; n <= doc.numPages; n++)
      pages.push((await (await doc.getPage(n)).getTextContent()).items);
    await doc.destroy();
    process.stdout.write('\\n' + JSON.stringify(pages));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, resolve(file)], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 60_000,
  });
  // The last line: pdfjs prints its load-time warnings (e.g. no @napi-rs/canvas) on stdout too.
  const pages = JSON.parse(out.trimEnd().split('\n').at(-1) ?? '[]') as TextItem[][];
  return pages.map(layoutText).join('\f');
}

/** What page rendering needs of @napi-rs/canvas (pdfjs' optional dependency for drawing in Node). */
interface CanvasModule {
  createCanvas(width: number, height: number): { toBuffer(mime: 'image/png'): Buffer };
}

function loadCanvas(): CanvasModule | Error {
  try {
    return require('@napi-rs/canvas') as CanvasModule;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** Why pages cannot be rendered to pictures here, or undefined when they can. */
export function canvasUnavailable(): string | undefined {
  const canvas = loadCanvas();
  return canvas instanceof Error ? `@napi-rs/canvas cannot be loaded (${canvas.message})` : undefined;
}

/** One page as a PNG at `dpi` dots per inch, drawn by pdfjs as a viewer does. */
export async function renderPagePng(file: string, pageNumber: number, dpi: number): Promise<Buffer> {
  const canvasModule = loadCanvas();
  if (canvasModule instanceof Error) throw canvasModule;
  return withPdf(file, async (doc) => {
    const page = await doc.getPage(pageNumber);
    const viewport = page.getViewport({ scale: dpi / 72 });
    const canvas = canvasModule.createCanvas(Math.ceil(viewport.width), Math.ceil(viewport.height));
    await page.render({ canvas: canvas as unknown as RenderParameters['canvas'], viewport }).promise;
    return canvas.toBuffer('image/png');
  });
}
