// fast-check generators of the sample's commands, shared by its property tests.
import fc from 'fast-check';
import type { MoneyCommand } from 'dendrites/samples/money-transfer';

const account = fc.constantFrom('a', 'b', 'c', 'd');

/** Any valid command over four accounts (a transfer may go from an account to itself). */
export const anyCommand: fc.Arbitrary<MoneyCommand> = fc.oneof(
  fc.record({ id: fc.uuid(), account_id: account, initial_balance: fc.integer({ min: 0, max: 1_000_000 }) }).map(
    (r): MoneyCommand => ({ action: 'open-account', timestamp: 0, owner: null, ...r }),
  ),
  fc.record({ id: fc.uuid(), from_account: account, to_account: account, amount: fc.integer({ min: 1, max: 1_000_000 }) }).map(
    (r): MoneyCommand => ({ action: 'transfer-money', timestamp: 0, ...r }),
  ),
);
