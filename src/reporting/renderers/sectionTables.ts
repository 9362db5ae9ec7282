import { escapeControl } from '../escape.js';

/** A column of a report table; `weight` is its share of the page width where the layout is fixed (PDF). */
export interface Column {
  readonly header: string;
  readonly align: 'left' | 'right';
  readonly weight: number;
}

export interface Table {
  readonly columns: readonly Column[];
  readonly rows: readonly (readonly string[])[];
}

export const left = (header: string, weight = 1): Column => ({ header, align: 'left', weight });
export const right = (header: string, weight = 1): Column => ({ header, align: 'right', weight });

export function table(columns: readonly Column[], rows: readonly (readonly string[])[]): Table {
  return { columns, rows: rows.map((r) => r.map(escapeControl)) };
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
