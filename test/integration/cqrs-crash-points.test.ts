// Every crash point of the command graph, injected deterministically at one chosen command,
// followed by redelivery and ONE run of the compensation job: balances must be right.
import { afterEach, describe, expect, it } from 'vitest';
import { type CommandReport, compensate, parallelCommandGraph, seriesCommandGraph } from 'dendrites/cqrs';
import { domain, type MoneyCommand, sampleCommands } from 'dendrites/samples/money-transfer';
import { cqrsFixture, type CqrsFixture } from './fixtures/cqrs-fixture.js';
import { CRASH_CASES, crashAt, journalCounts } from './fixtures/crash-points.js';

let fx: CqrsFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

describe('crash points', () => {
  it.each(CRASH_CASES)('$wiring wiring, $point: redelivery and one job run leave the once-only balances', async ({ wiring, point, expected }) => {
    fx = await cqrsFixture(`crash_${wiring}_${point}`);
    const since = Date.now() - 1000;
    const { opens, transfers } = sampleCommands({ accounts: 8, transfers: 120 });
    const target = transfers[60].id;
    const make = wiring === 'parallel' ? parallelCommandGraph : seriesCommandGraph;
    const base = { kafka: fx.kafka, topic: fx.topic, groupId: fx.groupId, client: fx.client, keyspace: fx.keyspace, domain, parallelism: 4, consumer: { commitIntervalMs: 200 } };

    const opening = make(base).run();
    await fx.produce(opens);
    await fx.admin.untilCommitted(fx.groupId, fx.topic, { timeoutMs: 60_000, failed: opening.done });
    await opening.stop();

    await fx.produce(transfers);
    const crashing = make({ ...base, faults: crashAt<MoneyCommand>(point, target) }).run();
    await expect(crashing.done).rejects.toThrow(/injected crash/);
    expect(await journalCounts(fx.client, fx.keyspace, target)).toEqual({ applied: expected.applied - 1, logged: expected.logged - 1 });

    const recovering = make(base).run();
    await fx.admin.untilCommitted(fx.groupId, fx.topic, { timeoutMs: 60_000, failed: recovering.done });
    await recovering.stop();
    expect(await journalCounts(fx.client, fx.keyspace, target)).toEqual(expected);

    const reports: CommandReport[] = [];
    const summary = await compensate({ client: fx.client, keyspace: fx.keyspace, domain, since, until: Date.now(), onCommand: (r) => reports.push(r) });
    expect(summary.duplicateEffects).toBeGreaterThanOrEqual(expected.applied - 1);
    expect(summary.auditDuplicates).toBeGreaterThanOrEqual(expected.logged - 1);
    const report = reports.find((r) => r.commandId === target);
    if (expected.applied === 1) expect(report).toBeUndefined();
    else expect(report).toMatchObject({ applied: expected.applied, logged: expected.logged, outcome: 'write', compensated: expected.applied - 1 });
    expect((await fx.balancesMatch([...opens, ...transfers])).correct).toBe(true);
  });

  it('in series, a command whose service write failed is never logged', async () => {
    fx = await cqrsFixture('crash_series_service_fails');
    const { opens, transfers } = sampleCommands({ accounts: 5, transfers: 50 });
    const target = transfers[20].id;
    const base = { kafka: fx.kafka, topic: fx.topic, groupId: fx.groupId, client: fx.client, keyspace: fx.keyspace, domain, consumer: { commitIntervalMs: 200 } };
    const opening = seriesCommandGraph(base).run();
    await fx.produce(opens);
    await fx.admin.untilCommitted(fx.groupId, fx.topic, { timeoutMs: 60_000, failed: opening.done });
    await opening.stop();
    await fx.produce(transfers);
    const failing = seriesCommandGraph({
      ...base,
      service: async (d) => {
        if (d.commandId === target) throw new Error('the service write failed');
      },
    }).run();
    await expect(failing.done).rejects.toThrow(/the service write failed/);
    expect(await journalCounts(fx.client, fx.keyspace, target)).toEqual({ applied: 0, logged: 0 });
  });
});
