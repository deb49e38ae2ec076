/**
 * The money-transfer rules as pure functions: which commands are valid, what one delivery
 * of a command moves in the ledger, and the movement that undoes duplicate deliveries.
 * No I/O here (ledger.ts reads, domain.ts binds the writes).
 *
 * Amounts are whole minor units (cents). There is no overdraft check: a balance may go
 * below zero, so the outcome of a set of commands does not depend on their order.
 */
import { BadInputError } from 'dendrites';
import type { Command } from './commands.js';

/** A command that passed validation, narrowed to what its action needs (plain JSON: the journal stores it as is). */
export type MoneyCommand =
  | {
      /** The command id. */
      readonly id: string;
      /** Opens an account. */
      readonly action: 'open-account';
      /** When it was issued, ms since the epoch. */
      readonly timestamp: number;
      /** The new account. */
      readonly account_id: string;
      /** Who owns it, if given. */
      readonly owner: string | null;
      /** Its opening balance in cents (0 if not given). */
      readonly initial_balance: number;
    }
  | {
      /** The command id. */
      readonly id: string;
      /** Moves money between two accounts. */
      readonly action: 'transfer-money';
      /** When it was issued, ms since the epoch. */
      readonly timestamp: number;
      /** The account debited. */
      readonly from_account: string;
      /** The account credited. */
      readonly to_account: string;
      /** The amount in cents, positive. */
      readonly amount: number;
    };

/** One ledger movement: `amount` added to `account` (negative for a debit). */
export interface LedgerMovement {
  /** The account. */
  readonly account: string;
  /** Cents added (negative for a debit). */
  readonly amount: number;
}

/** A ledger movement of one delivery, with the side that names its entry id. */
export interface DeliveryEntry extends LedgerMovement {
  /** Which side of the command the entry is: its opening balance, its debit or its credit. */
  readonly side: 'open' | 'debit' | 'credit';
}

function wholeAmount(command: Command, name: string, value: number | null, positive: boolean): number {
  if (value === null) throw new BadInputError(`${command.action} command ${command.id} lacks ${name}`);
  if (!Number.isSafeInteger(value)) throw new BadInputError(`${command.action} command ${command.id}: ${name} ${value} is not a whole number of cents`);
  if (positive ? value <= 0 : value < 0) throw new BadInputError(`${command.action} command ${command.id} has a ${positive ? 'non-positive' : 'negative'} ${name} (${value})`);
  return value;
}

function text(command: Command, name: string, value: string | null): string {
  if (value === null || value.length === 0) throw new BadInputError(`${command.action} command ${command.id} lacks ${name}`);
  return value;
}

/**
 * Narrows a decoded command to a MoneyCommand, or throws a BadInputError naming the
 * problem (unknown action, missing field, non-positive amount). `knownAccount` says
 * whether an account has been opened; a transfer touching an unknown account is bad input.
 */
export function parseMoneyCommand(command: Command, knownAccount: (account: string) => boolean = () => true): MoneyCommand {
  const d = command.data;
  if (command.id.length === 0) throw new BadInputError('a command has an empty id');
  switch (command.action) {
    case 'open-account':
      return {
        id: command.id,
        action: 'open-account',
        timestamp: command.timestamp,
        account_id: text(command, 'account_id', d.account_id),
        owner: d.owner,
        initial_balance: d.initial_balance === null ? 0 : wholeAmount(command, 'initial_balance', d.initial_balance, false),
      };
    case 'transfer-money': {
      const from = text(command, 'from_account', d.from_account);
      const to = text(command, 'to_account', d.to_account);
      const amount = wholeAmount(command, 'amount', d.amount, true);
      for (const account of [from, to]) {
        if (!knownAccount(account)) throw new BadInputError(`transfer-money command ${command.id} names unknown account ${account}`);
      }
      return { id: command.id, action: 'transfer-money', timestamp: command.timestamp, from_account: from, to_account: to, amount };
    }
    default:
      throw new BadInputError(`command ${command.id} has an unknown action "${command.action}"`);
  }
}

/** What ONE delivery of a command moves in the ledger: debit and credit, or the opening balance. */
export function deliveryEntries(command: MoneyCommand): readonly DeliveryEntry[] {
  if (command.action === 'open-account') return [{ side: 'open', account: command.account_id, amount: command.initial_balance }];
  return [
    { side: 'debit', account: command.from_account, amount: -command.amount },
    { side: 'credit', account: command.to_account, amount: command.amount },
  ];
}

/** The ledger entry id of one side of one delivery: a duplicate delivery gets entries of its own. */
export function deliveryEntryId(commandId: string, deliveryId: string, side: DeliveryEntry['side']): string {
  return `${commandId}:${deliveryId}:${side}`;
}

/** The entry id of the job's correction of a command on one account: one upsert per account, rewritten by every run. */
export function compensationEntryId(commandId: string, account: string): string {
  return `comp:${commandId}:${account}`;
}

/**
 * The movement, per account, that undoes `count` extra deliveries of a command: the whole
 * correction, so it is written as one upsert per account. Right for any count ≥ 0 and any
 * amount: a transfer of 7 applied 3 times is corrected with count 2, moving 14 back.
 * Throws a RangeError for a count that is not a whole number ≥ 0 or a correction beyond
 * 2^53 cents.
 */
export function compensationMovements(command: MoneyCommand, count: number): readonly LedgerMovement[] {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`compensation count must be a whole number ≥ 0, got ${count}`);
  const perAccount = new Map<string, number>();
  for (const e of deliveryEntries(command)) perAccount.set(e.account, (perAccount.get(e.account) ?? 0) - e.amount * count);
  const out: LedgerMovement[] = [];
  for (const [account, amount] of perAccount) {
    if (!Number.isSafeInteger(amount)) throw new RangeError(`compensation of command ${command.id} overflows (${count} × its amount)`);
    out.push({ account, amount: amount === 0 ? 0 : amount }); // no -0
  }
  return out;
}

/** The balances the given commands imply when each is applied exactly once. */
export function onceOnlyBalances(commands: Iterable<MoneyCommand>): Map<string, number> {
  const balances = new Map<string, number>();
  for (const c of commands) for (const e of deliveryEntries(c)) balances.set(e.account, (balances.get(e.account) ?? 0) + e.amount);
  return balances;
}
