/** Sample money-transfer commands for the demo, the examples and the tests (deterministic for a seed). */
import { openAccount, transferMoney, type Command } from '../internal/avro/command.js';

export interface SampleOptions {
  /** Accounts opened. Default 100 (at least 2). */
  readonly accounts?: number;
  /** Transfers between them. Default 10,000. */
  readonly transfers?: number;
  /** Opening balance of each account, cents. Default 100,000. */
  readonly initialBalance?: number;
  /** Largest transfer, cents (amounts are 1..maxAmount). Default 500. */
  readonly maxAmount?: number;
  /** Account id prefix. Default "acct". */
  readonly prefix?: string;
  /** Seed of the pseudo-random choices. Default 42. */
  readonly seed?: number;
}

export interface SampleCommands {
  readonly accounts: readonly string[];
  readonly opens: readonly Command[];
  readonly transfers: readonly Command[];
}

/** Opens `accounts` accounts, then `transfers` transfers between two different ones. */
export function sampleCommands(options: SampleOptions = {}): SampleCommands {
  const n = Math.max(2, options.accounts ?? 100);
  const count = options.transfers ?? 10_000;
  const maxAmount = options.maxAmount ?? 500;
  const prefix = options.prefix ?? 'acct';
  const accounts = Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);
  const opens = accounts.map((account_id) => openAccount({ account_id, owner: `owner of ${account_id}`, initial_balance: options.initialBalance ?? 100_000 }));
  let seed = (options.seed ?? 42) >>> 0;
  const next = (): number => {
    seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0; // LCG, 32-bit
    return seed >>> 8;
  };
  const transfers = Array.from({ length: count }, () => {
    const from = next() % n;
    const to = (from + 1 + (next() % (n - 1))) % n;
    return transferMoney({ from_account: accounts[from], to_account: accounts[to], amount: 1 + (next() % maxAmount) });
  });
  return { accounts, opens, transfers };
}

/** A few commands that must go to the dead letter: unknown accounts and non-positive amounts. */
export function badCommands(accounts: readonly string[], count: number): Command[] {
  return Array.from({ length: count }, (_, i) =>
    i % 2 === 0
      ? transferMoney({ from_account: `unknown-${i}`, to_account: accounts[0], amount: 10 })
      : transferMoney({ from_account: accounts[0], to_account: accounts[1], amount: -i }),
  );
}
