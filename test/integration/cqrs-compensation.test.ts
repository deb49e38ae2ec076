// The compensation job on the real Cassandra: any count, idempotence, more duplicates later,
// dry run; a command produced twice hours apart; the job run while the graph is writing.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { newDeliveryId } from 'dendrites/cassandra';
import { type CommandDelivery, type CommandReport, compensate, parallelCommandGraph } from 'dendrites/cqrs';
import { type Command, commandRecord, compensationEntryId, domain, type MoneyCommand, openAccount, parseMoneyCommand, sampleCommands, transferMoney } from 'dendrites/samples/money-transfer';
import { journalWrites } from '../../src/graphs/cqrs/journal.js';
import { cqrsFixture, type CqrsFixture } from './fixtures/cqrs-fixture.js';
import { journalCounts } from './fixtures/crash-points.js';

let fx: CqrsFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const HOUR = 3_600_000;
const since = Date.now() - 60_000;

/**
 * One delivery of a command as the parallel graph writes it: the domain's upserts with the
 * `applied` journal rows in one logged batch, and (unless `log` is false) the `logged` rows.
 */
async function deliver(f: CqrsFixture, command: MoneyCommand, log = true): Promise<void> {
  const d: CommandDelivery<MoneyCommand> = { command, commandId: command.id, delivery: { id: newDeliveryId(), kafkaTimestamp: since + 30_000, topic: f.topic, partition: 0, offset: '0' } };
  const context = { client: f.client, keyspace: f.keyspace };
  await f.client.batch([...domain.apply(d, context), ...journalWrites(f.keyspace, d, 'applied', HOUR, JSON.stringify(command))], { prepare: true, logged: true });
  if (log) await f.client.batch(journalWrites(f.keyspace, d, 'logged', HOUR, undefined), { prepare: true, logged: true });
}

async function entry(f: CqrsFixture, account: string, entryId: string): Promise<number | undefined> {
  const r = await f.client.execute(`SELECT amount FROM ${f.keyspace}.ledger_entries WHERE account = ? AND entry_id = ?`, [account, entryId], { prepare: true });
  const row = r.first();
  return row === null ? undefined : Number(row.get('amount'));
}

/** Runs the job over [from, until] with the sample's domain, collecting its reports. */
async function job(f: CqrsFixture, from: number, options: { readonly dryRun?: boolean; readonly until?: number } = {}) {
  const reports: CommandReport[] = [];
  const summary = await compensate({ client: f.client, keyspace: f.keyspace, domain, since: from, until: options.until ?? Date.now(), dryRun: options.dryRun, onCommand: (r) => reports.push(r) });
  return { summary, reports };
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

    const first = await job(f, since);
    expect(first.summary).toMatchObject({ commands: 3, deliveriesApplied: 5, deliveriesLogged: 3, duplicateEffects: 1, duplicateDeliveries: 2, compensated: 1, unchanged: 0, auditDuplicates: 0, appliedNotLogged: 0, loggedNotApplied: 0 });
    expect(first.reports).toEqual([expect.objectContaining({ commandId: t.id, applied: 3, logged: 1, outcome: 'write', compensated: 2 })]);
    expect(await entry(f, 'a', compensationEntryId(t.id, 'a'))).toBe(14);
    expect(await entry(f, 'b', compensationEntryId(t.id, 'b'))).toBe(-14);
    expect((await f.balancesMatch(raw)).correct).toBe(true);

    const second = await job(f, since);
    expect(second.summary).toMatchObject({ duplicateEffects: 1, compensated: 0, unchanged: 1 });
    expect(second.reports).toEqual([expect.objectContaining({ commandId: t.id, outcome: 'unchanged', compensated: 2 })]);
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
    await job(f, since);
    expect(await entry(f, 'x', compensationEntryId(t.id, 'x'))).toBe(9);

    await deliver(f, t, false); // a third delivery, applied but not logged
    expect((await f.balancesMatch(raw)).correct).toBe(false);
    const dry = await job(f, since, { dryRun: true });
    expect(dry.summary).toMatchObject({ dryRun: true, compensated: 1, duplicateDeliveries: 2, auditDuplicates: 1 });
    expect(await entry(f, 'x', compensationEntryId(t.id, 'x'))).toBe(9); // unchanged by the dry run
    expect((await f.balancesMatch(raw)).correct).toBe(false);

    const third = await job(f, since);
    expect(third.summary).toMatchObject({ compensated: 1, unchanged: 0, duplicateDeliveries: 2 });
    expect(await entry(f, 'x', compensationEntryId(t.id, 'x'))).toBe(18);
    expect(await entry(f, 'y', compensationEntryId(t.id, 'y'))).toBe(-18);
    expect((await f.balancesMatch(raw)).correct).toBe(true);
    expect((await job(f, since)).summary).toMatchObject({ compensated: 0, unchanged: 1 });
  });

  it('refuses a range that ends before it starts, before reading anything', async () => {
    const f = (fx = await cqrsFixture('comp_bad_range', 1));
    await expect(compensate({ client: f.client, keyspace: f.keyspace, domain, since: Date.now(), until: Date.now() - 1000 })).rejects.toThrow(/since .* is after until/);
  });
});

describe('a command produced twice, 3 hours apart in Kafka record time', () => {
  /** Opens a and b, then sends one transfer twice: at `t0` and 3 hours later. Runs the graph over all of it. */
  async function producedTwice(f: CqrsFixture, t0: number): Promise<{ commands: Command[]; transfer: Command }> {
    const opens = [openAccount({ account_id: 'a', initial_balance: 100 }), openAccount({ account_id: 'b', initial_balance: 0 })];
    const transfer = transferMoney({ from_account: 'a', to_account: 'b', amount: 7 });
    await f.produce(opens);
    const producer = f.kafka.producer();
    await producer.connect();
    try {
      const { key, value } = commandRecord(transfer);
      await producer.send({ topic: f.topic, messages: [{ key, value, timestamp: String(t0) }] });
      await producer.send({ topic: f.topic, messages: [{ key, value, timestamp: String(t0 + 3 * HOUR) }] });
    } finally {
      await producer.disconnect();
    }
    const run = parallelCommandGraph({ kafka: f.kafka, topic: f.topic, groupId: f.groupId, client: f.client, keyspace: f.keyspace, domain, consumer: { commitIntervalMs: 200 } }).run();
    await f.admin.untilCommitted(f.groupId, f.topic, { timeoutMs: 60_000, failed: run.done });
    await run.stop();
    expect(await journalCounts(f.client, f.keyspace, transfer.id)).toEqual({ applied: 2, logged: 2 });
    const commands = [...opens, transfer];
    expect((await f.balancesMatch(commands)).actual).toEqual(new Map([['a', 100 - 14], ['b', 14]]));
    return { commands, transfer };
  }

  it('a range over both buckets compensates it once; a second run writes nothing', async () => {
    const f = (fx = await cqrsFixture('comp_twice_both', 1));
    const t0 = Date.now() - 3 * HOUR;
    const { commands, transfer } = await producedTwice(f, t0);

    const first = await job(f, t0);
    expect(first.summary.buckets).toBeGreaterThanOrEqual(4);
    expect(first.summary).toMatchObject({ commands: 3, deliveriesApplied: 4, duplicateEffects: 1, compensated: 1, unchanged: 0, auditDuplicates: 1 });
    expect(first.reports).toEqual([expect.objectContaining({ commandId: transfer.id, applied: 2, logged: 2, outcome: 'write', compensated: 1 })]);
    expect((await f.balancesMatch(commands)).correct).toBe(true);

    const second = await job(f, t0);
    expect(second.summary).toMatchObject({ commands: 3, compensated: 0, unchanged: 1 });
    expect((await f.balancesMatch(commands)).correct).toBe(true);
  });

  it('a range over the later bucket only still finds both deliveries and compensates once', async () => {
    const f = (fx = await cqrsFixture('comp_twice_later', 1));
    const t0 = Date.now() - 3 * HOUR;
    const { commands, transfer } = await producedTwice(f, t0);

    const later = await job(f, t0 + 3 * HOUR);
    expect(later.reports).toEqual([expect.objectContaining({ commandId: transfer.id, applied: 2, logged: 2, outcome: 'write', compensated: 1 })]);
    expect(later.summary).toMatchObject({ compensated: 1, duplicateDeliveries: 1 });
    expect((await f.balancesMatch(commands)).correct).toBe(true);

    // The whole range now: the earlier bucket handles it, and the correction is in place.
    const whole = await job(f, t0);
    expect(whole.summary).toMatchObject({ commands: 3, compensated: 0, unchanged: 1 });
    expect((await f.balancesMatch(commands)).correct).toBe(true);
  });
});

describe('the job run while the graph is still writing', () => {
  it('and again once it has finished leaves the once-only balances', async () => {
    const f = (fx = await cqrsFixture('comp_concurrent', 1));
    const start = Date.now() - 1000;
    const { opens, transfers } = sampleCommands({ accounts: 6, transfers: 400 });
    // Every 10th transfer from the 20th on is sent again 20 records later: duplicates all along the stream.
    const stream: Command[] = [];
    let duplicated = 0;
    transfers.forEach((t, i) => {
      stream.push(t);
      if (i >= 20 && i % 10 === 5) {
        stream.push(transfers[i - 20]);
        duplicated++;
      }
    });
    const total = opens.length + stream.length;

    let written = 0;
    let quarterWritten!: () => void;
    const quarter = new Promise<void>((resolve) => (quarterWritten = resolve));
    const run = parallelCommandGraph({
      kafka: f.kafka,
      topic: f.topic,
      groupId: f.groupId,
      client: f.client,
      keyspace: f.keyspace,
      domain,
      parallelism: 4,
      consumer: { commitIntervalMs: 200 },
      faults: {
        // Slows the service down (20 ms a write, 4 at once) so the job meets it mid-stream.
        beforeWrite: (branch) => (branch === 'service' ? sleep(20) : undefined),
        afterWrite: (branch) => {
          if (branch === 'service' && ++written === opens.length + Math.floor(stream.length / 4)) quarterWritten();
        },
      },
    }).run();
    await f.produce(opens);
    await f.admin.untilCommitted(f.groupId, f.topic, { timeoutMs: 60_000, failed: run.done });
    await f.produce(stream);

    await Promise.race([quarter, run.done]);
    const writtenAtStart = written;
    const during = await job(f, start);
    expect(writtenAtStart).toBeLessThan(total);
    expect(during.summary.compensated).toBeGreaterThan(0); // duplicates of the first quarter, written before it started

    await f.admin.untilCommitted(f.groupId, f.topic, { timeoutMs: 120_000, failed: run.done });
    await run.stop();
    expect(written).toBe(total);
    expect(during.summary.duplicateEffects).toBeLessThanOrEqual(duplicated);

    const after = await job(f, start);
    expect(after.summary).toMatchObject({ commands: opens.length + transfers.length, duplicateEffects: duplicated, duplicateDeliveries: duplicated, appliedNotLogged: 0, loggedNotApplied: 0 });
    expect(after.summary.compensated + after.summary.unchanged).toBe(duplicated);
    expect(after.summary.compensated).toBeGreaterThan(0); // duplicates that arrived after the first run
    expect((await f.balancesMatch([...opens, ...transfers])).correct).toBe(true);
    expect((await job(f, start)).summary).toMatchObject({ compensated: 0, unchanged: duplicated });
  });
});
