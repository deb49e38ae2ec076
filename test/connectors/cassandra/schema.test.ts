import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from 'dendrites';
import { bucketOf, bucketsBetween, eventLogTablesCql } from 'dendrites/cassandra';
import { cqrsTablesCql, journalTablesCql } from 'dendrites/cqrs';
import { countMarkers } from '../../../src/connectors/cassandra/markers.js';
import { createKeyspaceCql } from '../../../src/connectors/cassandra/schema.js';

const normalize = (cql: string): string => cql.replace(/--[^\n]*/g, '').replace(/\s+/g, ' ').trim();

describe('event log schema', () => {
  it('schemas/event-log.cql holds the tables createEventLogTables creates', () => {
    const file = readFileSync(new URL('../../../schemas/event-log.cql', import.meta.url), 'utf8');
    const statements = normalize(file).split(';').map((s) => s.trim()).filter((s) => s !== '');
    expect(statements).toEqual(eventLogTablesCql('dendrites').map(normalize));
  });

  it('builds keyspace CQL and refuses names that are not identifiers', () => {
    expect(createKeyspaceCql('ks_1')).toBe("CREATE KEYSPACE IF NOT EXISTS ks_1 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'} AND durable_writes = true");
    expect(createKeyspaceCql('ks', { replication: { class: 'NetworkTopologyStrategy', dc1: 3 } })).toContain("{'class': 'NetworkTopologyStrategy', 'dc1': '3'}");
    expect(() => createKeyspaceCql('ks; DROP TABLE x')).toThrow(ConfigError);
    expect(() => eventLogTablesCql('1abc')).toThrow(ConfigError);
  });

  it('buckets a Kafka timestamp to the start of its bucket', () => {
    const t = Date.UTC(2026, 0, 2, 13, 45, 12);
    expect(bucketOf(t).toISOString()).toBe('2026-01-02T13:00:00.000Z');
    expect(bucketOf(new Date(t), 24 * 3_600_000).toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect(bucketsBetween(t, t + 2 * 3_600_000).map((d) => d.toISOString())).toEqual([
      '2026-01-02T13:00:00.000Z',
      '2026-01-02T14:00:00.000Z',
      '2026-01-02T15:00:00.000Z',
    ]);
  });

  it('counts positional markers outside strings and comments', () => {
    expect(countMarkers('INSERT INTO t (a, b) VALUES (?, ?)')).toBe(2);
    expect(countMarkers("UPDATE t SET a = '?' WHERE k = ? -- why?\n IF v = ?")).toBe(2);
    expect(countMarkers('SELECT * FROM t WHERE k = :k')).toBeUndefined();
  });
});

describe('journal schema', () => {
  it('schemas/cqrs.cql holds the journal tables createCqrsTables creates', () => {
    const file = readFileSync(new URL('../../../schemas/cqrs.cql', import.meta.url), 'utf8');
    const statements = normalize(file).split(';').map((s) => s.trim()).filter((s) => s !== '');
    expect(statements).toEqual(journalTablesCql('dendrites').map(normalize));
    expect(cqrsTablesCql('dendrites')).toEqual([...eventLogTablesCql('dendrites'), ...journalTablesCql('dendrites')]);
    expect(() => journalTablesCql('ks; DROP TABLE x')).toThrow(ConfigError);
  });
});
