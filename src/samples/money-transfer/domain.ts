/**
 * The money-transfer domain as the command graph and the compensation job use it. One
 * delivery writes a ledger entry per side (entry ids name the delivery, so a duplicate
 * delivery moves money again: the duplicate effect the job undoes) and, for open-account,
 * the account. The job's correction is one upsert per account under a key of the command.
 */
import { types } from 'cassandra-driver';
import { type CommandDelivery, type CqlStatement, defineDomain, type DomainEvent } from 'dendrites/cqrs';
import { type Command, commandSchema } from './commands.js';
import { ACCOUNTS_TABLE, keyspaceName, LEDGER_ENTRIES_TABLE, openedAccounts } from './ledger.js';
import { compensationEntryId, compensationMovements, deliveryEntries, deliveryEntryId, type MoneyCommand, parseMoneyCommand } from './model.js';

interface Inserts {
  readonly entry: string;
  readonly account: string;
}

/** The INSERT texts per keyspace, built once: the same strings on every delivery. */
const texts = new Map<string, Inserts>();

function insertsOf(keyspace: string): Inserts {
  let t = texts.get(keyspace);
  if (t === undefined) {
    const ks = keyspaceName(keyspace);
    t = {
      entry: `INSERT INTO ${ks}.${LEDGER_ENTRIES_TABLE} (account, entry_id, command_id, amount) VALUES (?, ?, ?, ?)`,
      account: `INSERT INTO ${ks}.${ACCOUNTS_TABLE} (account_id, owner, opened_by) VALUES (?, ?, ?)`,
    };
    texts.set(keyspace, t);
  }
  return t;
}

/** The upserts of one delivery: a ledger entry per side, and the account for open-account. */
function applyDelivery({ command, commandId, delivery }: CommandDelivery<MoneyCommand>, keyspace: string): CqlStatement[] {
  const cql = insertsOf(keyspace);
  const out: CqlStatement[] = [];
  for (const e of deliveryEntries(command)) {
    out.push({ query: cql.entry, params: [e.account, deliveryEntryId(commandId, delivery.id, e.side), commandId, types.Long.fromNumber(e.amount)] });
  }
  if (command.action === 'open-account') out.push({ query: cql.account, params: [command.account_id, command.owner, commandId] });
  return out;
}

/** The event a command is logged as, under the account it is about (the debited one for a transfer). */
function eventOf(command: MoneyCommand): DomainEvent {
  if (command.action === 'open-account') {
    const data = { account_id: command.account_id, owner: command.owner, initial_balance: command.initial_balance };
    return { action: 'account-opened', aggregateId: command.account_id, data, timestamp: command.timestamp };
  }
  const data = { from_account: command.from_account, to_account: command.to_account, amount: command.amount };
  return { action: 'money-transferred', aggregateId: command.from_account, data, timestamp: command.timestamp };
}

/**
 * The money-transfer domain. Its per-run state is the set of accounts opened: read from
 * the `accounts` table when a run starts, plus every open-account command parsed since
 * (in record order), so a transfer naming an account not opened is bad input.
 */
export const domain = defineDomain<MoneyCommand, Set<string>>({
  name: 'money-transfer',
  decode: { avro: commandSchema },
  start: ({ client, keyspace }) => openedAccounts(client, keyspace),
  parse(value, accounts) {
    // The Avro reader schema is the command's: the value has its shape.
    const command = parseMoneyCommand(value as Command, (a) => accounts.has(a));
    if (command.action === 'open-account') accounts.add(command.account_id);
    return command;
  },
  commandId: (command) => command.id,
  apply: (delivery, { keyspace }) => applyDelivery(delivery, keyspace),
  events: ({ command }) => [eventOf(command)],
  compensate(command, count, { keyspace }) {
    const cql = insertsOf(keyspace);
    return compensationMovements(command, count).map((m) => ({
      query: cql.entry,
      params: [m.account, compensationEntryId(command.id, m.account), command.id, types.Long.fromNumber(m.amount)],
    }));
  },
});
