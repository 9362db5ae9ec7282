/**
 * An identifier in double quotes, as standard SQL (SQLite, PostgreSQL) takes it: any name is then
 * a name, reserved words included, and its case is kept.
 */
export function doubleQuoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
