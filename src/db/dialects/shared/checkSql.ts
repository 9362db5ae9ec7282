import { textLiteral } from './literals.js';

/** `column IN ('a', 'b')`, as every backend takes it; `text` writes the backend's text literals. */
export function oneOfSql(
  column: string,
  values: readonly string[],
  text: (value: string) => string = textLiteral,
): string {
  return `${column} IN (${values.map(text).join(', ')})`;
}
