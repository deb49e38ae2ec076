// The compensation job on the real Cassandra: any count, idempotence, more duplicates later, dry run.
import { afterEach, describe, expect, it } from 'vitest';
import { compensate, type CommandReport } from '../../src/graphs/compensation-job.js';
import { compensationEntryId, serviceWrites } from '../../src/domain/ledger.js';
import { parseMoneyCommand, type MoneyCommand } from '../../src/domain/money-transfer.js';
import { openAccount, transferMoney } from '../../src/internal/avro/command.js';
import { newDeliveryId } from '../../src/internal/cassandra/event-log.js';
import { eventLogInserts } from '../../src/internal/cassandra/event-log.js';
import { moneyTransferDomain } from '../../src/domain/command-domain.js';
import { cqrsFixture, type CqrsFixture } from './fixtures/cqrs-fixture.js';

let fx: CqrsFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const since = Date.now() - 60_000;
const domain = moneyTransferDomain();

/** One delivery of a command, written by the service's own statements (and logged, unless `log` is false). */
async function deliver(f: CqrsFixture, command: MoneyCommand, log = true): Promise<void> {
  const d = { command, delivery: { id: newDeliveryId(), kafkaTimestamp: since + 30_000, topic: f.topic, partition: 0, offset: '0' } };
  await f.client.batch(serviceWrites(f.keyspace, d), { prepare: true, logged: true });
  if (log) await f.client.batch(eventLogInserts(f.keyspace, domain.logEntry(d), 3_600_000), { prepare: true });
}

async function entry(f: CqrsFixture, account: string, entryId: string): Promise<number | undefined> {
  const r = await f.client.execute(`SELECT amount FROM ${f.keyspace}.ledger_entries WHERE account = ? AND entry_id = ?`, [account, entryId], { prepare: true });
  const row = r.first();
  return row === null ? undefined : Number(row.get('amount'));
}

describe('the compensation job', () => {
  it('corrects a transfer of 7 applied 3 times by moving 14 back, once; a second run changes nothing and says so', async () => {
    const f = (fx = await cqrsFixture('comp_any_count', 1));
    const raw = [openAccount({ account_id: 'a', initial_balance: 100 }), openAccount({ account_id: 'b', initial_balance: 0 }), transferMoney({ from_account: 'a', to_account: 'b', amount: 7 })];
    const [a, b, t] = raw.map((c) => parseMoneyCommand(c));
    await deliver(f, a);
    await deliver(f, b);
    for (let i = 0; i < 3; i++) await deliver(f, t, i === 0); // logged once, applied three times
    expect((await f.balancesMatch(raw)).actual).toEqual(new Map([['a', 100 - 21], ['b', 21]]));

    const reports: CommandReport[] = [];
    const first = await compensate({ client: f.client, keyspace: f.keyspace, since, until: Date.now(), onCommand: (r) => reports.push(r) });
    expect(first).toMatchObject({ commands: 3, effectRows: 5, logRows: 3, duplicateEffects: 1, duplicateDeliveries: 2, compensated: 1, unchanged: 0, auditDuplicates: 0 });
    expect(reports).toEqual([expect.objectContaining({ commandId: t.id, applied: 3, logged: 1, outcome: 'write', entries: [{ account: 'a', amount: 14 }, { account: 'b', amount: -14 }] })]);
    expect(await entry(f, 'a', compensationEntryId(t.id, 'a'))).toBe(14);
    expect(await entry(f, 'b', compensationEntryId(t.id, 'b'))).toBe(-14);
    expect((await f.balancesMatch(raw)).correct).toBe(true);

    const second = await compensate({ client: f.client, keyspace: f.keyspace, since, until: Date.now() });
    expect(second).toMatchObject({ duplicateEffects: 1, compensated: 0, unchanged: 1 });
    expect((await f.balancesMatch(raw)).correct).toBe(true);
  });

  it('after a further duplicate, one more run corrects to the new total; a dry run writes nothing', async () => {
    const f = (fx = await cqrsFixture('comp_more_dups', 1));
    const raw = [openAccount({ account_id: 'x', initial_balance: 50 }), openAccount({ account_id: 'y', initial_balance: 50 }), transferMoney({ from_account: 'x', to_account: 'y', amount: 9 })];
    const [x, y, t] = raw.map((c) => parseMoneyCommand(c));
    await deliver(f, x);
    await deliver(f, y);
    await deliver(f, t);
    await deliver(f, t); // a duplicate, logged twice: an audit duplicate too
    await compensate({ client: f.client, keyspace: f.keyspace, since, until: Date.now() });
    expect(await entry(f, 'x', compensationEntryId(t.id, 'x'))).toBe(9);

    await deliver(f, t, false); // a third delivery, applied but not logged
    expect((await f.balancesMatch(raw)).correct).toBe(false);
    const dry = await compensate({ client: f.client, keyspace: f.keyspace, since, until: Date.now(), dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, compensated: 1, duplicateDeliveries: 2, auditDuplicates: 1 });
    expect(await entry(f, 'x', compensationEntryId(t.id, 'x'))).toBe(9); // unchanged by the dry run
    expect((await f.balancesMatch(raw)).correct).toBe(false);

    const third = await compensate({ client: f.client, keyspace: f.keyspace, since, until: Date.now() });
    expect(third).toMatchObject({ compensated: 1, unchanged: 0, duplicateDeliveries: 2 });
    expect(await entry(f, 'x', compensationEntryId(t.id, 'x'))).toBe(18);
    expect(await entry(f, 'y', compensationEntryId(t.id, 'y'))).toBe(-18);
    expect((await f.balancesMatch(raw)).correct).toBe(true);
    expect(await compensate({ client: f.client, keyspace: f.keyspace, since, until: Date.now() })).toMatchObject({ compensated: 0, unchanged: 1 });
  });

  it('refuses a range that ends before it starts, before reading anything', async () => {
    const f = (fx = await cqrsFixture('comp_bad_range', 1));
    await expect(compensate({ client: f.client, keyspace: f.keyspace, since: Date.now(), until: Date.now() - 1000 })).rejects.toThrow(/since .* is after until/);
  });
});
