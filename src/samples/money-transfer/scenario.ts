/**
 * Sample commands (deterministic accounts and amounts for a seed) and the demo scenario:
 * open accounts, transfer between them, a few records that must be dead-lettered, and
 * the check that every balance is what the unique commands imply.
 */
import type { CqlClient } from 'dendrites/cassandra';
import type { DemoSample, DemoScenario, ProducedRecord, StateCheck } from 'dendrites/cqrs';
import { type Command, commandRecord, openAccount, transferMoney } from './commands.js';
import { domain } from './domain.js';
import { balancesOf, createMoneyTransferTables } from './ledger.js';
import { type MoneyCommand, onceOnlyBalances, parseMoneyCommand } from './model.js';

/** What `sampleCommands` makes. */
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

/** The accounts, their open-account commands and the transfers. */
export interface SampleCommands {
  /** The account ids. */
  readonly accounts: readonly string[];
  /** One open-account command per account. */
  readonly opens: readonly Command[];
  /** The transfers, between two different accounts each. */
  readonly transfers: readonly Command[];
}

/**
 * Opens `accounts` accounts, then `transfers` transfers between two different ones. The
 * accounts and amounts depend only on the options; command ids are random UUIDs.
 */
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

/** `count` commands the domain rejects: transfers from unknown accounts and of non-positive amounts, alternately. */
export function badCommands(accounts: readonly string[], count: number): Command[] {
  return Array.from({ length: count }, (_, i) =>
    i % 2 === 0
      ? transferMoney({ from_account: `unknown-${i}`, to_account: accounts[0], amount: 10 })
      : transferMoney({ from_account: accounts[0], to_account: accounts[1], amount: -i }),
  );
}

/** A record whose value is not Avro at all (the decoder rejects it before the domain sees it). */
export const NOT_AVRO: ProducedRecord = { key: 'not-avro', value: Buffer.from('this is not Avro') };

/** Cassandra's balances against those of every command in `commands` applied once. */
async function checkBalances(client: CqlClient, keyspace: string, commands: readonly Command[]): Promise<StateCheck> {
  const expected = onceOnlyBalances(commands.map((c): MoneyCommand => parseMoneyCommand(c)));
  const actual = await balancesOf(client, keyspace, expected.keys());
  let wrong = 0;
  for (const [account, balance] of expected) if (actual.get(account) !== balance) wrong++;
  return { checked: expected.size, wrong, unit: 'accounts' };
}

/**
 * The sample as `dendrites demo` runs it: `commands` transfers between 2 to 100 accounts
 * (one per 10 transfers, at most 100: 100 for the demo's default 10,000), a few bad records, and the
 * balance check.
 */
export const demo: DemoSample<MoneyCommand, Set<string>> = {
  domain,
  createTables: createMoneyTransferTables,
  scenario({ commands, seed }): DemoScenario {
    const accountCount = Math.max(2, Math.min(100, Math.ceil(commands / 10)));
    const sample = sampleCommands({ accounts: accountCount, transfers: commands, seed });
    const bad = badCommands(sample.accounts, Math.max(2, Math.floor(commands / 2000)));
    return {
      setup: sample.opens.map(commandRecord),
      commands: sample.transfers.map(commandRecord),
      bad: [...bad.map(commandRecord), NOT_AVRO],
      check: (client, keyspace) => checkBalances(client, keyspace, [...sample.opens, ...sample.transfers]),
    };
  },
};
