// Every crash point of the command graph, injected deterministically at one chosen command,
// followed by redelivery and ONE run of the compensation job: balances must be right.
import { afterEach, describe, expect, it } from 'vitest';
import { compensate } from '../../src/graphs/compensation-job.js';
import { type FaultHooks, parallelCommandGraph, seriesCommandGraph } from '../../src/graphs/command-graph.js';
import { moneyTransferDomain } from '../../src/domain/command-domain.js';
import type { CommandDelivery } from '../../src/domain/ledger.js';
import type { MoneyCommand } from '../../src/domain/money-transfer.js';
import { sampleCommands } from '../../src/domain/sample.js';
import { untilCommitted } from '../../src/internal/graphs/committed.js';
import { cqrsFixture, type CqrsFixture } from './fixtures/cqrs-fixture.js';
import { deliveryCounts } from './fixtures/cqrs-counts.js';

let fx: CqrsFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

type Hooks = FaultHooks<CommandDelivery<MoneyCommand>>;

/** A one-shot signal: `wait` resolves once `fire` is called. */
function signal(): { wait: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const wait = new Promise<void>((resolve) => (fire = resolve));
  return { wait, fire };
}

/** The fault hooks of one crash point at the command `target`. */
function crashAt(point: 'service-not-log' | 'log-not-service' | 'both', target: string): Hooks {
  const serviceDone = signal();
  const logDone = signal();
  const crash = (): never => {
    throw new Error(`injected crash at ${target} (${point})`);
  };
  const is = (d: CommandDelivery<MoneyCommand>): boolean => d.command.id === target;
  return {
    afterWrite: async (branch, d) => {
      if (!is(d)) return;
      if (branch === 'service') serviceDone.fire();
      else logDone.fire();
      // Both written: the log's acknowledgement waits for the service's write, then the process "dies".
      if (point === 'both' && branch === 'log') {
        await serviceDone.wait;
        crash();
      }
    },
    beforeWrite: async (branch, d) => {
      if (!is(d)) return;
      if (point === 'service-not-log' && branch === 'log') {
        await serviceDone.wait;
        crash();
      }
      if (point === 'log-not-service' && branch === 'service') {
        await logDone.wait;
        crash();
      }
    },
  };
}

const cases = [
  { wiring: 'parallel', point: 'service-not-log', expected: { applied: 2, logged: 1 } },
  { wiring: 'parallel', point: 'log-not-service', expected: { applied: 1, logged: 2 } },
  { wiring: 'parallel', point: 'both', expected: { applied: 2, logged: 2 } },
  { wiring: 'series', point: 'service-not-log', expected: { applied: 2, logged: 1 } },
  { wiring: 'series', point: 'both', expected: { applied: 2, logged: 2 } },
] as const;

describe('crash points', () => {
  it.each(cases)('$wiring wiring, $point: redelivery and one job run leave the once-only balances', async ({ wiring, point, expected }) => {
    fx = await cqrsFixture(`crash_${wiring}_${point}`);
    const since = Date.now() - 1000;
    const { opens, transfers } = sampleCommands({ accounts: 8, transfers: 120 });
    const target = transfers[60].id;
    const make = wiring === 'parallel' ? parallelCommandGraph : seriesCommandGraph;
    const base = { kafka: fx.kafka, topic: fx.topic, groupId: fx.groupId, client: fx.client, keyspace: fx.keyspace, parallelism: 4, consumer: { commitIntervalMs: 200 } };

    const opening = make({ ...base, domain: moneyTransferDomain() }).run();
    await fx.produce(opens);
    await untilCommitted(fx.kafka, fx.groupId, fx.topic, 60_000, opening.done);
    await opening.stop();

    await fx.produce(transfers);
    const crashing = make({ ...base, domain: moneyTransferDomain(), faults: crashAt(point, target) }).run();
    await expect(crashing.done).rejects.toThrow(/injected crash/);
    const atCrash = await deliveryCounts(fx.client, fx.keyspace, target, since);
    expect(atCrash).toEqual({ applied: expected.applied - 1, logged: expected.logged - 1 });

    const recovering = make({ ...base, domain: moneyTransferDomain() }).run();
    await untilCommitted(fx.kafka, fx.groupId, fx.topic, 60_000, recovering.done);
    await recovering.stop();
    expect(await deliveryCounts(fx.client, fx.keyspace, target, since)).toEqual(expected);

    const summary = await compensate({ client: fx.client, keyspace: fx.keyspace, since, until: Date.now() });
    expect(summary.duplicateEffects).toBeGreaterThanOrEqual(expected.applied - 1);
    expect((await fx.balancesMatch([...opens, ...transfers])).correct).toBe(true);
  });

  it('in series, a command whose service write failed is never logged', async () => {
    fx = await cqrsFixture('crash_series_service_fails');
    const since = Date.now() - 1000;
    const { opens, transfers } = sampleCommands({ accounts: 5, transfers: 50 });
    const target = transfers[20].id;
    const base = { kafka: fx.kafka, topic: fx.topic, groupId: fx.groupId, client: fx.client, keyspace: fx.keyspace, consumer: { commitIntervalMs: 200 } };
    const opening = seriesCommandGraph({ ...base, domain: moneyTransferDomain() }).run();
    await fx.produce(opens);
    await untilCommitted(fx.kafka, fx.groupId, fx.topic, 60_000, opening.done);
    await opening.stop();
    await fx.produce(transfers);
    const failing = seriesCommandGraph({
      ...base,
      domain: moneyTransferDomain(),
      service: async (d) => {
        if (d.command.id === target) throw new Error('the service write failed');
      },
    }).run();
    await expect(failing.done).rejects.toThrow(/the service write failed/);
    expect(await deliveryCounts(fx.client, fx.keyspace, target, since)).toEqual({ applied: 0, logged: 0 });
  });
});
