import { describe, expect, it } from 'vitest';
import { moneyTransferDomain } from '../../src/domain/command-domain.js';
import { eventAccounts, parseMoneyCommand, toEvent, type MoneyCommand } from '../../src/domain/money-transfer.js';
import { openAccount, transferMoney } from '../../src/internal/avro/command.js';

// The log entry is the command's event (toEvent) laid out for the event log: its fields
// other than id, parent, timestamp and type are the data, in the same order.
function expected(command: MoneyCommand): unknown {
  const event = toEvent(command);
  const { id, parent, timestamp, type, ...data } = event;
  return { id, parent, action: type, data, timestamp, aggregate: eventAccounts(event)[0] };
}

describe('moneyTransferDomain().logEntry', () => {
  const domain = moneyTransferDomain();
  const delivery = { id: 'd', kafkaTimestamp: 1, topic: 't', partition: 0, offset: '0' };
  it.each([
    ['open-account', parseMoneyCommand(openAccount({ account_id: 'a', owner: 'Ann', initial_balance: 50 }, { id: 'c1', timestamp: 5 }))],
    ['transfer-money', parseMoneyCommand(transferMoney({ from_account: 'a', to_account: 'b', amount: 7 }, { id: 't1', timestamp: 9 }), () => true)],
  ])('logs %s as its event', (_name, command) => {
    const entry = domain.logEntry({ command, delivery });
    const got = { ...entry.event, aggregate: entry.aggregateId };
    expect(got).toEqual(expected(command));
    expect(JSON.stringify(entry.event.data)).toBe(JSON.stringify((expected(command) as { data: unknown }).data));
    expect(entry.delivery).toBe(delivery);
  });
});
