/** SQL about one column that the DDL and the bulk paths share. */
import type { FoldSql } from '../shared/createIndexSql.js';

/** SQLite's lower() folds ASCII letters only, whatever the locale: the same on every machine. */
export const fold: FoldSql = (column) => `lower(${column})`;
