/** The money-transfer domain as the command graph uses it (see CommandDomain). */
import type { CommandDomain } from '../internal/graphs/domain.js';
import { openedAccounts, serviceWrites } from './ledger.js';
import { eventAccounts, parseMoneyCommand, toEvent, type MoneyCommand } from './money-transfer.js';

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
    logEntry: ({ command, delivery }) => {
      const event = toEvent(command);
      const { id, parent, timestamp, type, ...data } = event;
      return { event: { id, parent, action: type, data, timestamp }, aggregateId: eventAccounts(event)[0], delivery };
    },
  };
}
