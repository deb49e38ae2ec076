import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ledgerTablesCql } from '../../src/domain/ledger-schema.js';
import { ConfigError } from '../../src/errors.js';

const squash = (s: string): string => s.replace(/--[^\n]*/g, '').replace(/\s+/g, ' ').trim();

describe('ledger tables', () => {
  it('are the tables of schemas/ledger.cql', () => {
    const file = readFileSync(new URL('../../schemas/ledger.cql', import.meta.url), 'utf8');
    const fromFile = squash(file).split(';').map((s) => s.trim()).filter((s) => s.length > 0);
    expect(fromFile).toEqual(ledgerTablesCql('dendrites').map(squash));
  });

  it('key the effects like the event log: partition by bucket, cluster by command id and delivery id', () => {
    expect(ledgerTablesCql('ks')[0]).toContain('PRIMARY KEY ((bucket), command_id, delivery_id)');
  });

  it('refuse a keyspace that is not a CQL identifier', () => {
    expect(() => ledgerTablesCql('x; DROP')).toThrow(ConfigError);
  });
});
