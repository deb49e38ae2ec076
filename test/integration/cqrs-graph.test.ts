// Both wirings of the command graph over the money-transfer demo scenario: every command
// applied and logged once, bad input dead-lettered, balances right, nothing to compensate.
import { afterEach, describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS } from 'dendrites/kafka';
import { compensate, parallelCommandGraph, seriesCommandGraph } from 'dendrites/cqrs';
import { demo, domain, NOT_AVRO } from 'dendrites/samples/money-transfer';
import { cqrsFixture, type CqrsFixture } from './fixtures/cqrs-fixture.js';

let fx: CqrsFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const wirings = { parallel: parallelCommandGraph, series: seriesCommandGraph } as const;

describe.each(Object.keys(wirings) as (keyof typeof wirings)[])('the %s command graph', (wiring) => {
  it('applies and logs every command once, and dead-letters bad input with the reason', async () => {
    fx = await cqrsFixture(`cqrs_${wiring}`);
    const scenario = demo.scenario({ commands: 200, seed: 5 });
    expect(scenario.setup).toHaveLength(20);
    const g = wirings[wiring]({ kafka: fx.kafka, topic: fx.topic, groupId: fx.groupId, client: fx.client, keyspace: fx.keyspace, domain });
    const handle = g.run();
    // Accounts are opened (and known) before transfers name them: the topic has several partitions.
    await fx.produceRecords(scenario.setup);
    await fx.admin.untilCommitted(fx.groupId, fx.topic, { timeoutMs: 60_000, failed: handle.done });
    await fx.produceRecords([...scenario.commands, ...scenario.bad]);
    await fx.admin.untilCommitted(fx.groupId, fx.topic, { timeoutMs: 60_000, failed: handle.done });
    await handle.stop();
    expect(await fx.admin.topicSize(fx.deadLetterTopic)).toBe(scenario.bad.length);
    const parked = await fx.deadLetters(scenario.bad.length);
    const reasons = parked.map((r) => r.headers.get(DEAD_LETTER_HEADERS.error) ?? '');
    expect(reasons.filter((r) => /undecodable Avro/.test(r))).toHaveLength(1);
    expect(reasons.filter((r) => /names unknown account unknown-0/.test(r))).toHaveLength(1);
    expect(reasons.filter((r) => /non-positive amount/.test(r))).toHaveLength(1);
    expect(parked.find((r) => r.key === NOT_AVRO.key)?.value.equals(NOT_AVRO.value)).toBe(true);
    for (const r of parked) expect(r.headers.get(DEAD_LETTER_HEADERS.errorClass)).toBe('BadInputError');
    expect(await scenario.check(fx.client, fx.keyspace)).toEqual({ checked: 20, wrong: 0, unit: 'accounts' });
    const summary = await compensate({ client: fx.client, keyspace: fx.keyspace, domain, since: Date.now() - 3_600_000, until: Date.now() });
    expect(summary).toMatchObject({ commands: 220, deliveriesApplied: 220, deliveriesLogged: 220, duplicateEffects: 0, compensated: 0, auditDuplicates: 0, appliedNotLogged: 0, loggedNotApplied: 0 });
  });
});
