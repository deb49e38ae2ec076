import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BadInputError } from 'dendrites';
import { commandKey, commandRecord, commandSchema, decodeCommand, encodeCommand, NOT_AVRO, openAccount, transferMoney, validateCommand } from 'dendrites/samples/money-transfer';

describe('the command schema', () => {
  it('is the schema of schemas/command.avsc', () => {
    const file: unknown = JSON.parse(readFileSync(new URL('../../../schemas/command.avsc', import.meta.url), 'utf8'));
    expect(commandSchema).toEqual(file);
  });
});

describe('command encoding', () => {
  it('round-trips both actions through Avro', () => {
    const open = openAccount({ account_id: 'a', owner: 'Ann', initial_balance: 50 }, { id: 'c1', timestamp: 5 });
    const transfer = transferMoney({ from_account: 'a', to_account: 'b', amount: 7 }, { id: 't1', timestamp: 9 });
    for (const c of [open, transfer]) expect(decodeCommand(encodeCommand(c))).toEqual(c);
  });

  it('refuses a value that does not fit the schema, naming the field', () => {
    const c = transferMoney({ from_account: 'a', to_account: 'b', amount: 1.5 });
    expect(() => encodeCommand(c)).toThrow(BadInputError);
    expect(() => encodeCommand(c)).toThrow(/data\.amount/);
  });

  it('cannot decode the record that is not Avro', () => {
    expect(() => decodeCommand(NOT_AVRO.value)).toThrow();
  });

  it('keys a command by the account it is about', () => {
    const open = openAccount({ account_id: 'a' });
    const transfer = transferMoney({ from_account: 'x', to_account: 'y', amount: 1 });
    expect(commandKey(open)).toBe('a');
    expect(commandKey(transfer)).toBe('x');
    expect(commandRecord(transfer)).toEqual({ key: 'x', value: encodeCommand(transfer) });
  });

  it('validates what the schema cannot: the action and its fields', () => {
    expect(() => validateCommand(transferMoney({ from_account: 'a', to_account: 'b', amount: 0 }))).toThrow(/non-positive amount/);
    expect(() => validateCommand({ ...openAccount({ account_id: 'a' }), action: 'close-account' })).toThrow(/unknown action "close-account"/);
    expect(() => validateCommand(openAccount({ account_id: 'a' }))).not.toThrow();
  });
});
