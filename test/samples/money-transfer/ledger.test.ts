import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from 'dendrites';
import { balancesOf, createMoneyTransferTables, moneyTransferTablesCql, openedAccounts } from 'dendrites/samples/money-transfer';
import { MemoryLedger } from './memory-ledger.js';

const squash = (s: string): string => s.replace(/--[^\n]*/g, '').replace(/\s+/g, ' ').trim();

describe('the money-transfer tables', () => {
  it('are the tables of schemas/ledger.cql', () => {
    const file = readFileSync(new URL('../../../schemas/ledger.cql', import.meta.url), 'utf8');
    const fromFile = squash(file).split(';').map((s) => s.trim()).filter((s) => s.length > 0);
    expect(fromFile).toEqual(moneyTransferTablesCql('dendrites').map(squash));
  });

  it('are the ledger and the accounts only: the library keeps the journal', () => {
    expect(moneyTransferTablesCql('ks').map((cql) => /TABLE IF NOT EXISTS ks\.(\w+)/.exec(cql)?.[1])).toEqual(['ledger_entries', 'accounts']);
  });

  it('refuse a keyspace that is not a CQL identifier, before any statement', async () => {
    expect(() => moneyTransferTablesCql('x; DROP')).toThrow(ConfigError);
    const executed: string[] = [];
    const client = { execute: async (q: string) => (executed.push(q), { rows: [], pageState: null, wasApplied: () => true }), batch: async () => ({ rows: [], pageState: null, wasApplied: () => true }) };
    await expect(createMoneyTransferTables(client, 'x; DROP')).rejects.toThrow(ConfigError);
    expect(executed).toEqual([]);
  });
});

describe('the reads', () => {
  it("sum an account's entries and list the accounts opened", async () => {
    const ledger = new MemoryLedger();
    ledger.write([
      { query: 'INSERT INTO ks.ledger_entries (account, entry_id, command_id, amount) VALUES (?, ?, ?, ?)', params: ['a', 'e1', 'c', 10] },
      { query: 'INSERT INTO ks.ledger_entries (account, entry_id, command_id, amount) VALUES (?, ?, ?, ?)', params: ['a', 'e2', 'c', -3] },
      { query: 'INSERT INTO ks.accounts (account_id, owner, opened_by) VALUES (?, ?, ?)', params: ['a', 'Ann', 'c'] },
    ]);
    expect(await balancesOf(ledger, 'ks', ['a', 'nobody'])).toEqual(new Map([['a', 7], ['nobody', 0]]));
    expect(await openedAccounts(ledger, 'ks')).toEqual(new Set(['a']));
  });
});
