/** The money-transfer domain as the command graph uses it (see CommandDomain). */
import type { CommandDomain } from '../internal/graphs/domain.js';
import { openedAccounts, serviceWrites } from './ledger.js';
import { parseMoneyCommand, type MoneyCommand } from './money-transfer.js';

export type { CommandDomain } from '../internal/graphs/domain.js';

/**
 * The money-transfer domain. It knows the accounts opened so far: read from the
 * `accounts` table when a run starts, plus every open-account command validated since
 * (in record order), so a transfer touching an unknown account is bad input. Create one
 * per graph.
 */
export function moneyTransferDomain(): CommandDomain<MoneyCommand> {
  const accounts = new Set<string>();
  return {
    name: 'money-transfer',
    async prepare({ client, keyspace }) {
      accounts.clear();
      for (const a of await openedAccounts(client, keyspace)) accounts.add(a);
    },
    parse(command) {
      const c = parseMoneyCommand(command, (a) => accounts.has(a));
      if (c.action === 'open-account') accounts.add(c.account_id);
      return c;
    },
    commandId: (c) => c.id,
    serviceWrites,
    // The event of `toEvent(command)`, laid out for the log: its fields other than id,
    // parent, timestamp and type are the data (built directly: no spread and rest per delivery).
    logEntry: ({ command, delivery }) => {
      if (command.action === 'open-account') {
        const data = { account_id: command.account_id, owner: command.owner, initial_balance: command.initial_balance };
        return { event: { id: command.id, parent: command.id, action: 'account-opened', data, timestamp: command.timestamp }, aggregateId: command.account_id, delivery };
      }
      const data = { from_account: command.from_account, to_account: command.to_account, amount: command.amount };
      return { event: { id: command.id, parent: command.id, action: 'money-transferred', data, timestamp: command.timestamp }, aggregateId: command.from_account, delivery };
    },
  };
}
