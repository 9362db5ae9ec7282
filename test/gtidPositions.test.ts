import { describe, expect, it } from 'vitest';
import { mariadbReplication } from '../dist/db/dialects/mysql/replication.js';

const { distance } = mariadbReplication;

describe('MariaDB GTID positions', () => {
  it('count the transactions from one position to another, domain by domain', () => {
    expect(distance('0-3307-12', '0-3307-12')).toBe(0);
    expect(distance('0-3307-12', '0-3307-15')).toBe(3);
    expect(distance('0-3307-12,1-3307-4', '0-3307-13,1-3307-6')).toBe(3);
    // A domain the start does not know yet counts whole.
    expect(distance('0-3307-12', '0-3307-12,1-3307-2')).toBe(2);
    // Sequence numbers go on within a domain when another server takes over as primary.
    expect(distance('0-3307-12', '0-3309-14')).toBe(2);
  });

  it('are behind (negative) when any domain is, whatever the others are ahead', () => {
    expect(distance('0-3307-12', '0-3307-10')).toBe(-2);
    expect(distance('0-3307-12,1-3307-4', '0-3307-20,1-3307-3')).toBe(-1);
    expect(distance('0-3307-12,1-3307-4', '0-3307-20')).toBe(-4);
    expect(distance('0-3307-1', '')).toBe(-1);
    expect(distance('', '')).toBe(0);
  });
});
