import { describe, expect, it } from 'vitest';
// Internal: portable `?` placeholders become PostgreSQL's numbered ones.
import { numberParams } from '../dist/db/dialects/postgres/config.js';

describe('PostgreSQL placeholders', () => {
  it.each([
    ['SELECT a FROM t WHERE a = ? AND b = ?', 'SELECT a FROM t WHERE a = $1 AND b = $2'],
    ['SELECT \'?\', "q?" FROM t WHERE a = ?', 'SELECT \'?\', "q?" FROM t WHERE a = $1'],
    ["SELECT 'it''s ?' WHERE a = ?", "SELECT 'it''s ?' WHERE a = $1"],
    ['SELECT $$ a ? b $$, ? -- ?\n, ?', 'SELECT $$ a ? b $$, $1 -- ?\n, $2'],
    ['SELECT $fn$ ? $$ ? $fn$ WHERE a = ? /* ? */', 'SELECT $fn$ ? $$ ? $fn$ WHERE a = $1 /* ? */'],
    ['SELECT a$1 FROM t WHERE a = ?', 'SELECT a$1 FROM t WHERE a = $1'],
  ])('%j', (portable, numbered) => {
    expect(numberParams(portable)).toBe(numbered);
  });
});
