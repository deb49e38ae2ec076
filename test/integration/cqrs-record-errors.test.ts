// A command Cassandra refuses (its domain binds a value the write cannot take), or one the
// domain's `apply` throws for, follows the graph's onRecordError policy. With 'dead-letter'
// (the default) the command's original record goes to the dead-letter topic with the
// reason, topic, partition and offset in its headers, every other command is applied, and
// every offset commits; with 'fail' the run fails with an error naming the record's topic,
// partition and offset.
import { types } from 'cassandra-driver';
import { afterEach, describe, expect, it } from 'vitest';
import { BadInputError, CassandraError } from 'dendrites';
import { DEAD_LETTER_HEADERS } from 'dendrites/kafka';
import { type CommandDelivery, type CqlStatement, type DomainContext, compensate, parallelCommandGraph, seriesCommandGraph } from 'dendrites/cqrs';
import { type Command, LEDGER_ENTRIES_TABLE, type MoneyCommand, commandRecord, domain, sampleCommands } from 'dendrites/samples/money-transfer';
import { type CqrsFixture, cqrsFixture } from './fixtures/cqrs-fixture.js';

let fx: CqrsFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

/**
 * The sample domain, except that two commands bind what Cassandra refuses: `nullKey` a
 * ledger entry with no account (the server: `Invalid null value ... for column account`),
 * `wrongType` an amount of the wrong type (the driver cannot encode it as a bigint); and
 * `throwing` makes `apply` throw.
 */
function refusing(nullKey: string, wrongType: string, throwing = 'none'): typeof domain {
  const apply = (d: CommandDelivery<MoneyCommand>, context: DomainContext): readonly CqlStatement[] => {
    if (d.commandId === throwing) throw new Error('no exchange rate for this transfer');
    const statements = domain.apply(d, context);
    if (d.commandId !== nullKey && d.commandId !== wrongType) return statements;
    const entry = `INSERT INTO ${context.keyspace}.${LEDGER_ENTRIES_TABLE} (account, entry_id, command_id, amount) VALUES (?, ?, ?, ?)`;
    const bad = d.commandId === nullKey ? [null, 'e', d.commandId, types.Long.fromNumber(1)] : ['acct-0000', 'e', d.commandId, { dollars: 100 }];
    return [...statements, { query: entry, params: bad }];
  };
  return { ...domain, apply };
}

const wirings = { parallel: parallelCommandGraph, series: seriesCommandGraph } as const;

describe('a command Cassandra refuses', () => {
  it.each(Object.keys(wirings) as (keyof typeof wirings)[])('%s wiring, dead-letter (the default): parked with the reason, the rest applied, every offset committed', async (wiring) => {
    fx = await cqrsFixture(`refused_${wiring}`);
    const since = Date.now() - 1000;
    const { opens, transfers } = sampleCommands({ accounts: 8, transfers: 200 });
    const [nullKey, wrongType, throwing] = [transfers[40], transfers[120], transfers[160]];
    const g = wirings[wiring]({ kafka: fx.kafka, topic: fx.topic, groupId: fx.groupId, client: fx.client, keyspace: fx.keyspace, domain: refusing(nullKey.id, wrongType.id, throwing.id), consumer: { commitIntervalMs: 200 } });
    const handle = g.run();
    await fx.produce(opens);
    await fx.admin.untilCommitted(fx.groupId, fx.topic, { timeoutMs: 60_000, failed: handle.done });
    await fx.produce(transfers);
    await fx.admin.untilCommitted(fx.groupId, fx.topic, { timeoutMs: 60_000, failed: handle.done }); // every offset, the refused ones too
    await handle.stop();
    await handle.done; // the run did not fail

    expect(await fx.admin.topicSize(fx.deadLetterTopic)).toBe(3);
    const parked = await fx.deadLetters(3);
    const byId = new Map(parked.map((r) => [r.value.toString('hex'), r]));
    for (const [command, reason] of [
      [nullKey, /^rejected by Cassandra: service: invalid: Invalid null value .*column account/],
      [wrongType, /^rejected by Cassandra: service: TypeError: Not a valid bigint/],
      [throwing, /^money-transfer\.apply threw for command .*: no exchange rate for this transfer/],
    ] as [Command, RegExp][]) {
      const original = commandRecord(command);
      const r = byId.get(original.value.toString('hex')); // the original bytes
      expect(r, `${command.id} dead-lettered`).toBeDefined();
      if (r === undefined) continue;
      expect(r.key).toBe(String(original.key));
      const error = r.headers.get(DEAD_LETTER_HEADERS.error) ?? '';
      expect(error).toMatch(reason);
      expect(r.headers.get(DEAD_LETTER_HEADERS.errorClass)).toBe('BadInputError');
      expect(r.headers.get(DEAD_LETTER_HEADERS.stage)).toBe('service');
      expect(r.headers.get(DEAD_LETTER_HEADERS.sourceTopic)).toBe(fx.topic);
      const where = `topic ${fx.topic}, partition ${r.headers.get(DEAD_LETTER_HEADERS.sourcePartition)}, offset ${r.headers.get(DEAD_LETTER_HEADERS.sourceOffset)}`;
      expect(error).toContain(where);
    }

    // Every other command applied once (and logged); the three parked ones not applied.
    const summary = await compensate({ client: fx.client, keyspace: fx.keyspace, domain, since, until: Date.now() });
    const total = opens.length + transfers.length;
    expect(summary).toMatchObject({ deliveriesApplied: total - 3, duplicateEffects: 0, appliedNotLogged: 0 });
    // In parallel the event-log branch still logged the three; in series nothing is logged that was not applied.
    expect(summary).toMatchObject(wiring === 'parallel' ? { commands: total, deliveriesLogged: total, loggedNotApplied: 3 } : { commands: total - 3, deliveriesLogged: total - 3, loggedNotApplied: 0 });
    const applied = transfers.filter((t) => t !== nullKey && t !== wrongType && t !== throwing);
    expect((await fx.balancesMatch([...opens, ...applied])).correct).toBe(true);
  });

  it.each(Object.keys(wirings) as (keyof typeof wirings)[])("%s wiring, 'fail': the run fails naming the record's topic, partition and offset", async (wiring) => {
    fx = await cqrsFixture(`refused_fail_${wiring}`, 1);
    const { opens, transfers } = sampleCommands({ accounts: 8, transfers: 100 });
    const target = transfers[50];
    const base = { kafka: fx.kafka, topic: fx.topic, groupId: fx.groupId, client: fx.client, keyspace: fx.keyspace, consumer: { commitIntervalMs: 200 } };
    const opening = wirings[wiring]({ ...base, domain }).run();
    await fx.produce(opens);
    await fx.admin.untilCommitted(fx.groupId, fx.topic, { timeoutMs: 60_000, failed: opening.done });
    await opening.stop();
    await fx.produce(transfers);
    const failing = wirings[wiring]({ ...base, domain: refusing(target.id, 'none'), onRecordError: 'fail' }).run();
    const error = await failing.done.catch((e: unknown) => e);
    // one partition: the target is the record after the opens and the 50 transfers before it
    const offset = String(opens.length + 50);
    expect(error).toBeInstanceOf(CassandraError);
    expect(error).toMatchObject({ topic: fx.topic, partition: 0, offset, retriable: false });
    expect((error as CassandraError).message).toContain(`topic ${fx.topic}, partition 0, offset ${offset}`);
    expect((error as CassandraError).message).toMatch(/Invalid null value .*column account/);
    // the same for a command the domain's apply throws for (another group, from the beginning)
    const thrower = transfers[20];
    const throwing = wirings[wiring]({ ...base, groupId: `${fx.groupId}_2`, domain: refusing('none', 'none', thrower.id), onRecordError: 'fail' }).run();
    const thrown = await throwing.done.catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(BadInputError);
    expect(thrown).toMatchObject({ topic: fx.topic, partition: 0, offset: String(opens.length + 20) });
    expect((thrown as BadInputError).message).toBe(`money-transfer.apply threw for command ${thrower.id}: no exchange rate for this transfer (topic ${fx.topic}, partition 0, offset ${opens.length + 20})`);
    expect(await fx.admin.topicSize(fx.deadLetterTopic)).toBe(0);
  });
});
