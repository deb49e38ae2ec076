import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KafkaRecord } from 'dendrites/kafka';
import type { CommandDelivery } from 'dendrites/cqrs';
import { BadInputError } from 'dendrites';
import { commandSchema, domain, type MoneyCommand, onceOnlyBalances, openAccount, parseMoneyCommand, transferMoney } from 'dendrites/samples/money-transfer';
import { anyCommand } from './arbitraries.js';
import { MemoryLedger } from './memory-ledger.js';

const ks = 'ks';
const record = {} as KafkaRecord; // the sample's parse does not look at the record
let deliveries = 0;

/** A new delivery of `command` (a fresh delivery id each time, as the graph gives one). */
function deliver(command: MoneyCommand): CommandDelivery<MoneyCommand> {
  return { command, commandId: domain.commandId(command), delivery: { id: `d${++deliveries}`, kafkaTimestamp: 1, topic: 't', partition: 0, offset: '0' } };
}

const open = parseMoneyCommand(openAccount({ account_id: 'a', owner: 'Ann', initial_balance: 50 }, { id: 'o1', timestamp: 5 }));
const transfer = parseMoneyCommand(transferMoney({ from_account: 'a', to_account: 'b', amount: 7 }, { id: 't1', timestamp: 9 }));

describe('the money-transfer domain', () => {
  it('decodes with the command schema and keys commands by their id', () => {
    expect(domain.name).toBe('money-transfer');
    expect(domain.decode).toEqual({ avro: commandSchema });
    expect(domain.commandId(transfer)).toBe('t1');
  });

  it('starts a run with the accounts the table holds, and knows each account opened during the run', async () => {
    const ledger = new MemoryLedger();
    ledger.write(domain.apply(deliver(open), { client: ledger, keyspace: ks }));
    const accounts = await domain.start?.({ client: ledger, keyspace: ks });
    expect(accounts).toEqual(new Set(['a']));
    if (accounts === undefined) return;
    const wire = transferMoney({ from_account: 'a', to_account: 'b', amount: 7 });
    expect(() => domain.parse(wire, accounts, record)).toThrow(BadInputError);
    expect(() => domain.parse(wire, accounts, record)).toThrow(/unknown account b/);
    expect(domain.parse(openAccount({ account_id: 'b' }), accounts, record)).toMatchObject({ action: 'open-account', account_id: 'b' });
    expect(domain.parse(wire, accounts, record)).toMatchObject({ action: 'transfer-money', from_account: 'a', to_account: 'b', amount: 7 });
    // The state is the run's: another run's set is untouched.
    const other = new Set(['a']);
    expect(() => domain.parse(wire, other, record)).toThrow(BadInputError);
    expect(other).toEqual(new Set(['a']));
  });

  it('applies a transfer as a ledger entry per side, under ids of the delivery', () => {
    const d = deliver(transfer);
    const statements = domain.apply(d, { client: new MemoryLedger(), keyspace: ks });
    expect(statements.map((s) => s.query)).toEqual([
      'INSERT INTO ks.ledger_entries (account, entry_id, command_id, amount) VALUES (?, ?, ?, ?)',
      'INSERT INTO ks.ledger_entries (account, entry_id, command_id, amount) VALUES (?, ?, ?, ?)',
    ]);
    expect(statements.map((s) => s.params.slice(0, 3))).toEqual([
      ['a', `t1:${d.delivery.id}:debit`, 't1'],
      ['b', `t1:${d.delivery.id}:credit`, 't1'],
    ]);
    expect(statements.map((s) => Number(String(s.params[3])))).toEqual([-7, 7]);
  });

  it('applies an open-account as the opening entry and the account', () => {
    const ledger = new MemoryLedger();
    ledger.write(domain.apply(deliver(open), { client: ledger, keyspace: ks }));
    expect(ledger.balance('a')).toBe(50);
    expect(ledger.accounts.get('a')).toEqual({ owner: 'Ann', openedBy: 'o1' });
  });

  it('lets a duplicate delivery move money again (what the job undoes), and a retry of one delivery not', () => {
    const ledger = new MemoryLedger();
    const context = { client: ledger, keyspace: ks };
    const d = deliver(transfer);
    ledger.write(domain.apply(d, context));
    ledger.write(domain.apply(d, context)); // a retry: the same rows
    expect(ledger.balance('a')).toBe(-7);
    ledger.write(domain.apply(deliver(transfer), context)); // a redelivery
    expect(ledger.balance('a')).toBe(-14);
  });

  it('logs a command as one event of the account it is about', () => {
    expect(domain.events?.(deliver(open))).toEqual([{ action: 'account-opened', aggregateId: 'a', data: { account_id: 'a', owner: 'Ann', initial_balance: 50 }, timestamp: 5 }]);
    expect(domain.events?.(deliver(transfer))).toEqual([{ action: 'money-transferred', aggregateId: 'a', data: { from_account: 'a', to_account: 'b', amount: 7 }, timestamp: 9 }]);
  });

  it('compensates with one upsert per account, keyed by the command only', () => {
    const statements = domain.compensate?.(transfer, 2, { client: new MemoryLedger(), keyspace: ks }) ?? [];
    expect(statements.map((s) => [...s.params.slice(0, 3), Number(String(s.params[3]))])).toEqual([
      ['a', 'comp:t1:a', 't1', 14],
      ['b', 'comp:t1:b', 't1', -14],
    ]);
    expect(() => domain.compensate?.(transfer, -1, { client: new MemoryLedger(), keyspace: ks })).toThrow(RangeError);
  });

  it('stores a command in the journal and reads it back unchanged (the default JSON form)', () => {
    expect(JSON.parse(JSON.stringify(transfer))).toEqual(transfer);
    expect(domain.encode).toBeUndefined();
    expect(domain.decodeStored).toBeUndefined();
  });

  it('for any commands: k deliveries, then corrections for fewer and then k − 1 extra deliveries, leave the once-only balances', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(anyCommand, fc.integer({ min: 1, max: 6 }), fc.nat()), { maxLength: 20 }), (cases) => {
        const ledger = new MemoryLedger();
        const context = { client: ledger, keyspace: ks };
        for (const [c, k, earlier] of cases) {
          for (let i = 0; i < k; i++) ledger.write(domain.apply(deliver(c), context));
          // A run before the last delivery wrote a smaller correction; the later run overwrites it.
          ledger.write(domain.compensate?.(c, earlier % k, context) ?? []);
          ledger.write(domain.compensate?.(c, k - 1, context) ?? []);
        }
        const expected = onceOnlyBalances(cases.map(([c]) => c));
        for (const account of new Set([...ledger.entries.keys(), ...expected.keys()])) expect(ledger.balance(account)).toBe(expected.get(account) ?? 0);
      }),
    );
  });
});
