import { describe, expect, it } from 'vitest';
import { BadInputError } from 'dendrites';
import { type KafkaRecord } from 'dendrites/kafka';
import { decodeCommand, demo, domain, NOT_AVRO, type MoneyCommand, sampleCommands } from 'dendrites/samples/money-transfer';
import { MemoryLedger } from './memory-ledger.js';

const record = {} as KafkaRecord;

describe('sampleCommands', () => {
  it('opens the accounts and transfers between two different ones, the same for the same seed', () => {
    const a = sampleCommands({ accounts: 5, transfers: 50, seed: 3, maxAmount: 9 });
    const b = sampleCommands({ accounts: 5, transfers: 50, seed: 3, maxAmount: 9 });
    expect(a.accounts).toEqual(['acct-0000', 'acct-0001', 'acct-0002', 'acct-0003', 'acct-0004']);
    expect(a.opens.map((c) => c.data.account_id)).toEqual(a.accounts);
    expect(a.transfers.map((c) => c.data)).toEqual(b.transfers.map((c) => c.data));
    for (const t of a.transfers) {
      expect(t.data.from_account).not.toBe(t.data.to_account);
      expect(t.data.amount).toBeGreaterThanOrEqual(1);
      expect(t.data.amount).toBeLessThanOrEqual(9);
    }
  });
});

describe('the demo scenario', () => {
  it('opens 2 to 100 accounts (100 for 10,000 commands) and makes the commands asked for', () => {
    expect(demo.scenario({ commands: 10_000 }).setup).toHaveLength(100);
    expect(demo.scenario({ commands: 5 }).setup).toHaveLength(2);
    expect(demo.scenario({ commands: 300 }).setup).toHaveLength(30);
    expect(demo.scenario({ commands: 300 }).commands).toHaveLength(300);
  });

  it('makes bad records the graph dead-letters: undecodable, or rejected by parse', async () => {
    const s = demo.scenario({ commands: 300, seed: 1 });
    const accounts = new Set<string>();
    for (const r of s.setup) domain.parse(decodeCommand(r.value), accounts, record);
    for (const r of s.commands) expect(() => domain.parse(decodeCommand(r.value), accounts, record)).not.toThrow();
    expect(s.bad.length).toBeGreaterThanOrEqual(3);
    expect(s.bad).toContain(NOT_AVRO);
    for (const r of s.bad) {
      if (r === NOT_AVRO) expect(() => decodeCommand(r.value)).toThrow();
      else expect(() => domain.parse(decodeCommand(r.value), accounts, record)).toThrow(BadInputError);
    }
  });

  it('checks the balances against every command applied once', async () => {
    const s = demo.scenario({ commands: 100, seed: 2 });
    const ledger = new MemoryLedger();
    const context = { client: ledger, keyspace: 'ks' };
    const accounts = new Set<string>();
    let n = 0;
    const apply = (value: Buffer): MoneyCommand => {
      const command = domain.parse(decodeCommand(value), accounts, record);
      ledger.write(domain.apply({ command, commandId: command.id, delivery: { id: `d${++n}`, kafkaTimestamp: 0, topic: 't', partition: 0, offset: 0 } }, context));
      return command;
    };
    for (const r of s.setup) apply(r.value);
    const transfers = s.commands.map((r) => apply(r.value));
    expect(await s.check(ledger, 'ks')).toEqual({ checked: 10, wrong: 0, unit: 'accounts' });

    const dup = transfers[0];
    ledger.write(domain.apply({ command: dup, commandId: dup.id, delivery: { id: 'again', kafkaTimestamp: 0, topic: 't', partition: 0, offset: 0 } }, context));
    expect(await s.check(ledger, 'ks')).toEqual({ checked: 10, wrong: 2, unit: 'accounts' });
    ledger.write(domain.compensate?.(dup, 1, context) ?? []);
    expect(await s.check(ledger, 'ks')).toEqual({ checked: 10, wrong: 0, unit: 'accounts' });
  });
});
