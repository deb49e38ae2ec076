/**
 * The money-transfer sample domain (DESIGN §7), as pure functions: what one delivery of
 * a command does to the ledger, the event it is logged as, and the correction that
 * undoes duplicate deliveries. No I/O here; src/domain/ledger.ts writes and reads.
 *
 * Amounts are whole minor units (cents). There is no overdraft check: a balance may go
 * below zero, so the outcome of a set of commands does not depend on their order.
 */
import { BadInputError } from '../errors.js';
import type { Command } from '../internal/avro/command.js';

/** One ledger movement: `amount` added to `account` (negative for a debit). */
export interface LedgerEntry {
  readonly account: string;
  readonly amount: number;
}

/** A ledger entry of one delivery, with the side that names its entry id. */
export interface DeliveryEntry extends LedgerEntry {
  readonly side: 'open' | 'debit' | 'credit';
}

interface EventBase {
  /** The event id: the command's id, so every delivery of a command logs the same event id. */
  readonly id: string;
  /** The id of the command the event comes from. */
  readonly parent: string;
  /** When the command was issued, ms since the epoch. */
  readonly timestamp: number;
}

export interface AccountOpened extends EventBase {
  readonly type: 'account-opened';
  readonly account_id: string;
  readonly owner: string | null;
  readonly initial_balance: number;
}

export interface MoneyTransferred extends EventBase {
  readonly type: 'money-transferred';
  readonly from_account: string;
  readonly to_account: string;
  readonly amount: number;
}

export type MoneyEvent = AccountOpened | MoneyTransferred;

/** A command that passed validation, narrowed to what its action needs. */
export type MoneyCommand =
  | { readonly id: string; readonly action: 'open-account'; readonly timestamp: number; readonly account_id: string; readonly owner: string | null; readonly initial_balance: number }
  | { readonly id: string; readonly action: 'transfer-money'; readonly timestamp: number; readonly from_account: string; readonly to_account: string; readonly amount: number };

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

/** What ONE delivery of a command writes to the ledger: debit and credit, or the opening balance. */
export function deliveryEntries(command: MoneyCommand): readonly DeliveryEntry[] {
  if (command.action === 'open-account') return [{ side: 'open', account: command.account_id, amount: command.initial_balance }];
  return [
    { side: 'debit', account: command.from_account, amount: -command.amount },
    { side: 'credit', account: command.to_account, amount: command.amount },
  ];
}

/**
 * The compensating function: the ledger movement, per account, that undoes `count`
 * deliveries of a command (the whole correction, so it can be written as one upsert).
 * Right for any count ≥ 0 and any amount: a transfer of 7 applied 3 times is corrected
 * with count 2, moving 14 back.
 */
export function compensation(command: MoneyCommand, count: number): readonly LedgerEntry[] {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`compensation count must be a whole number ≥ 0, got ${count}`);
  const perAccount = new Map<string, number>();
  for (const e of deliveryEntries(command)) perAccount.set(e.account, (perAccount.get(e.account) ?? 0) - e.amount * count);
  const out: LedgerEntry[] = [];
  for (const [account, amount] of perAccount) {
    if (!Number.isSafeInteger(amount)) throw new RangeError(`compensation of command ${command.id} overflows (${count} × its amount)`);
    out.push({ account, amount: amount === 0 ? 0 : amount }); // no -0
  }
  return out;
}

/** The event a command is logged as; its id is the command id and its parent the command id. */
export function toEvent(command: MoneyCommand): MoneyEvent {
  const base = { id: command.id, parent: command.id, timestamp: command.timestamp };
  if (command.action === 'open-account') {
    return { ...base, type: 'account-opened', account_id: command.account_id, owner: command.owner, initial_balance: command.initial_balance };
  }
  return { ...base, type: 'money-transferred', from_account: command.from_account, to_account: command.to_account, amount: command.amount };
}

/** The accounts an event touches (its aggregates). */
export function eventAccounts(event: MoneyEvent): readonly string[] {
  return event.type === 'account-opened' ? [event.account_id] : [event.from_account, event.to_account];
}

/** Balances the given commands imply when each is applied exactly once. */
export function onceOnlyBalances(commands: Iterable<MoneyCommand>): Map<string, number> {
  const balances = new Map<string, number>();
  for (const c of commands) for (const e of deliveryEntries(c)) balances.set(e.account, (balances.get(e.account) ?? 0) + e.amount);
  return balances;
}
