/** A text literal: quotes doubled, so any value is safe inside the DDL. */
export function textLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** `column IN ('a', 'b')`, as every backend takes it. */
export function oneOfSql(column: string, values: readonly string[]): string {
  return `${column} IN (${values.map(textLiteral).join(', ')})`;
}
