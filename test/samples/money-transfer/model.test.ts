import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadInputError } from 'dendrites';
import { compensationMovements, deliveryEntries, onceOnlyBalances, openAccount, parseMoneyCommand, transferMoney } from 'dendrites/samples/money-transfer';
import { anyCommand } from './arbitraries.js';

const known = new Set(['a', 'b']);
const isKnown = (account: string): boolean => known.has(account);

describe('parseMoneyCommand', () => {
  it('narrows an open-account command, defaulting the initial balance to 0', () => {
    const c = parseMoneyCommand(openAccount({ account_id: 'a', owner: 'Ann' }, { id: 'c1', timestamp: 5 }));
    expect(c).toEqual({ id: 'c1', action: 'open-account', timestamp: 5, account_id: 'a', owner: 'Ann', initial_balance: 0 });
  });

  it('narrows a transfer between known accounts', () => {
    const c = parseMoneyCommand(transferMoney({ from_account: 'a', to_account: 'b', amount: 7 }, { id: 't1', timestamp: 9 }), isKnown);
    expect(c).toEqual({ id: 't1', action: 'transfer-money', timestamp: 9, from_account: 'a', to_account: 'b', amount: 7 });
  });

  it.each([
    ['a non-positive amount', transferMoney({ from_account: 'a', to_account: 'b', amount: 0 }), /non-positive amount/],
    ['a negative amount', transferMoney({ from_account: 'a', to_account: 'b', amount: -3 }), /non-positive amount/],
    ['an unknown source account', transferMoney({ from_account: 'zz', to_account: 'b', amount: 3 }), /unknown account zz/],
    ['an unknown target account', transferMoney({ from_account: 'a', to_account: 'yy', amount: 3 }), /unknown account yy/],
    ['a fractional amount', transferMoney({ from_account: 'a', to_account: 'b', amount: 1.5 }), /whole number/],
    ['a negative opening balance', openAccount({ account_id: 'c', initial_balance: -1 }), /negative initial_balance/],
    ['an unknown action', { ...openAccount({ account_id: 'a' }), action: 'close-account' }, /unknown action "close-account"/],
    ['a missing account id', { ...openAccount({ account_id: 'a' }), data: { ...openAccount({ account_id: 'a' }).data, account_id: null } }, /lacks account_id/],
    ['an empty id', openAccount({ account_id: 'a' }, { id: '' }), /empty id/],
  ])('rejects %s as bad input, with the reason', (_, command, reason) => {
    expect(() => parseMoneyCommand(command, isKnown)).toThrow(BadInputError);
    expect(() => parseMoneyCommand(command, isKnown)).toThrow(reason);
  });
});

describe('one delivery', () => {
  it('debits the source and credits the target', () => {
    const c = parseMoneyCommand(transferMoney({ from_account: 'a', to_account: 'b', amount: 7 }));
    expect(deliveryEntries(c)).toEqual([
      { side: 'debit', account: 'a', amount: -7 },
      { side: 'credit', account: 'b', amount: 7 },
    ]);
  });

  it('credits the opening balance', () => {
    const c = parseMoneyCommand(openAccount({ account_id: 'a', initial_balance: 100 }));
    expect(deliveryEntries(c)).toEqual([{ side: 'open', account: 'a', amount: 100 }]);
  });
});

describe('compensationMovements', () => {
  it('moves 14 back for a transfer of 7 applied 3 times (count 2), in one movement per account', () => {
    const c = parseMoneyCommand(transferMoney({ from_account: 'a', to_account: 'b', amount: 7 }));
    expect(compensationMovements(c, 2)).toEqual([
      { account: 'a', amount: 14 },
      { account: 'b', amount: -14 },
    ]);
  });

  it('nets a transfer to the same account to zero, never -0', () => {
    const c = parseMoneyCommand(transferMoney({ from_account: 'a', to_account: 'a', amount: 5 }));
    expect(compensationMovements(c, 3)).toEqual([{ account: 'a', amount: 0 }]);
    expect(Object.is(compensationMovements(c, 3)[0].amount, 0)).toBe(true);
    const none = compensationMovements(parseMoneyCommand(transferMoney({ from_account: 'a', to_account: 'b', amount: 5 })), 0);
    expect(none.every((m) => Object.is(m.amount, 0))).toBe(true);
  });

  it('refuses a negative or fractional count, and a correction beyond 2^53 cents', () => {
    const c = parseMoneyCommand(openAccount({ account_id: 'a', initial_balance: 1 }));
    expect(() => compensationMovements(c, -1)).toThrow(RangeError);
    expect(() => compensationMovements(c, 1.5)).toThrow(RangeError);
    const big = parseMoneyCommand(transferMoney({ from_account: 'a', to_account: 'b', amount: 2 ** 52 }));
    expect(() => compensationMovements(big, 4)).toThrow(RangeError);
  });

  it('for any commands, A ≥ 1 deliveries of each plus the correction of A − 1 give the once-only balances', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(anyCommand, fc.integer({ min: 1, max: 20 })), { maxLength: 30 }), (applied) => {
        const balances = new Map<string, number>();
        const add = (acc: string, amount: number): void => void balances.set(acc, (balances.get(acc) ?? 0) + amount);
        for (const [c, times] of applied) {
          for (let k = 0; k < times; k++) for (const e of deliveryEntries(c)) add(e.account, e.amount);
          for (const m of compensationMovements(c, times - 1)) add(m.account, m.amount);
        }
        const expected = onceOnlyBalances(applied.map(([c]) => c));
        for (const acc of new Set([...balances.keys(), ...expected.keys()])) expect(balances.get(acc) ?? 0).toBe(expected.get(acc) ?? 0);
      }),
    );
  });
});
