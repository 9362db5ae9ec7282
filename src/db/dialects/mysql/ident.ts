/** An identifier in backticks, as MySQL and MariaDB take it whatever the sql_mode. */
export function quoteId(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}
