import { afterEach, describe, expect, it } from 'vitest';
import { compensate } from '../../src/graphs/compensation-job.js';
import { parallelCommandGraph, seriesCommandGraph } from '../../src/graphs/command-graph.js';
import { moneyTransferDomain } from '../../src/domain/command-domain.js';
import { untilCommitted } from '../../src/internal/graphs/committed.js';
import { topicSize } from '../../src/internal/graphs/topics.js';
import { transferMoney } from '../../src/internal/avro/command.js';
import { sampleCommands } from '../../src/domain/sample.js';
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
    const { opens, transfers } = sampleCommands({ accounts: 10, transfers: 200 });
    const bad = [
      transferMoney({ from_account: 'nobody', to_account: opens[1].data.account_id ?? '', amount: 5 }),
      transferMoney({ from_account: opens[1].data.account_id ?? '', to_account: opens[2].data.account_id ?? '', amount: 0 }),
    ];
    const g = wirings[wiring]({ kafka: fx.kafka, topic: fx.topic, groupId: fx.groupId, client: fx.client, keyspace: fx.keyspace, domain: moneyTransferDomain() });
    const handle = g.run();
    // Accounts are opened (and known) before transfers name them: the topic has several partitions.
    await fx.produce(opens);
    await untilCommitted(fx.kafka, fx.groupId, fx.topic, 60_000, handle.done);
    await fx.produce([...transfers, ...bad]);
    await untilCommitted(fx.kafka, fx.groupId, fx.topic, 60_000, handle.done);
    await handle.stop();
    expect(await topicSize(fx.kafka, fx.deadLetterTopic)).toBe(2);
    const balances = await fx.balancesMatch([...opens, ...transfers]);
    expect(balances.correct).toBe(true);
    const summary = await compensate({ client: fx.client, keyspace: fx.keyspace, since: Date.now() - 3_600_000, until: Date.now() });
    expect(summary).toMatchObject({ commands: 210, effectRows: 210, logRows: 210, duplicateEffects: 0, compensated: 0, auditDuplicates: 0 });
  });
});
