/**
 * Words PostgreSQL, MySQL/MariaDB or SQLite reserve: a table or column of that name breaks
 * unquoted SQL on at least one backend, so declarations refuse them (lower case).
 */
const RESERVED = new Set(
  `accessible add all alter analyse analyze and any array as asc asensitive asymmetric
  authorization before between bigint binary blob both by call cascade case cast change char
  character check collate collation column concurrently condition constraint continue convert
  create cross current_catalog current_date current_role current_schema current_time
  current_timestamp current_user cursor database databases day_hour day_microsecond day_minute
  day_second dec decimal declare default deferrable delayed delete desc describe deterministic
  distinct distinctrow div do double drop dual each else elseif enclosed end escape escaped except
  exists exit explain false fetch float float4 float8 for force foreign freeze from full fulltext
  general glob grant group having high_priority hour_microsecond hour_minute hour_second if ignore
  ilike in index indexed infile initially inner inout insensitive insert int int1 int2 int3 int4
  int8 integer intersect interval into is isnull iterate join key keys kill lateral leading leave
  left like limit linear lines load localtime localtimestamp lock long longblob longtext loop
  low_priority match maxvalue mediumblob mediumint mediumtext middleint minute_microsecond
  minute_second mod modifies natural no_write_to_binlog not notnull null numeric of offset on only
  optimize option optionally or order out outer outfile over overlaps partition placing pragma
  precision primary procedure purge raise range read reads read_write real recursive references
  regexp release rename repeat replace require resignal restrict return returning revoke right
  rlike row_number rows schema schemas second_microsecond select sensitive separator session_user
  set show signal similar smallint some spatial specific sql sql_big_result sql_calc_found_rows
  sql_small_result sqlexception sqlstate sqlwarning ssl starting straight_join symmetric
  system_user table tablesample terminated then tinyblob tinyint tinytext to trailing trigger true
  undo union unique unlock unsigned update usage use user using utc_date utc_time utc_timestamp
  vacuum values varbinary varchar varcharacter variadic varying verbose virtual when where while
  window with write xor year_month zerofill`.split(/\s+/),
);

export function isReservedWord(name: string): boolean {
  return RESERVED.has(name.toLowerCase());
}
