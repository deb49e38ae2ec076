// Prevent mode (duplicates: 'prevent') on the real Kafka and Cassandra, both samples, both
// wirings: a crash injected at each crash point of the target command (including between its
// claim and its effects), then the redelivery. BEFORE any compensation job runs: the target's
// effect is in exactly once, its only `applied` journal row is the claiming delivery's, and the
// whole state (balances; stocks and order statuses) is the once-only state. The event log
// still records each delivery. Then the job finds nothing to compensate. Also: a command
// produced twice, and an LWT whose response is lost (settled by a SERIAL read).
import { errors, types } from 'cassandra-driver';
import { afterEach, describe, expect, it } from 'vitest';
import type { CqlBatchEntry, CqlClient, CqlQueryOptions } from 'dendrites/cassandra';
import type { CommandDelivery, FaultHooks } from 'dendrites/cqrs';
import { crashAt, journalCounts } from './fixtures/crash-points.js';
import { claimOf, inventorySample, journalIds, moneySample, type PreventSample, type RunOptions, type Wiring } from './fixtures/prevent-samples.js';

let sample: PreventSample | undefined;
afterEach(async () => {
  await sample?.fx.close();
  sample = undefined;
});

type Point = 'claim-not-effects' | 'service-not-log' | 'log-not-service' | 'both';

/** Each crash point, the target's journal counts after the crash (A, L), and after the redelivery. */
const CASES: readonly { wiring: Wiring; point: Point; crashed: { applied: number; logged: number }; expected: { applied: number; logged: number } }[] = [
  { wiring: 'parallel', point: 'claim-not-effects', crashed: { applied: 0, logged: 0 }, expected: { applied: 1, logged: 1 } },
  { wiring: 'parallel', point: 'service-not-log', crashed: { applied: 1, logged: 0 }, expected: { applied: 1, logged: 1 } },
  { wiring: 'parallel', point: 'log-not-service', crashed: { applied: 0, logged: 1 }, expected: { applied: 1, logged: 2 } },
  { wiring: 'parallel', point: 'both', crashed: { applied: 1, logged: 1 }, expected: { applied: 1, logged: 2 } },
  { wiring: 'series', point: 'claim-not-effects', crashed: { applied: 0, logged: 0 }, expected: { applied: 1, logged: 1 } },
  { wiring: 'series', point: 'service-not-log', crashed: { applied: 1, logged: 0 }, expected: { applied: 1, logged: 1 } },
  { wiring: 'series', point: 'both', crashed: { applied: 1, logged: 1 }, expected: { applied: 1, logged: 2 } },
];

const SAMPLES = [
  { name: 'money-transfer', make: moneySample },
  { name: 'inventory', make: inventorySample },
] as const;

/** The run "dies" right after the target's claim, before its effects; in parallel the log dies with it (it waits for the claim). */
function crashAfterClaim<C>(target: string): FaultHooks<CommandDelivery<C>> {
  let claimed!: () => void;
  const claim = new Promise<void>((resolve) => (claimed = resolve));
  return {
    afterClaim: (d) => {
      if (d.commandId !== target) return;
      claimed();
      throw new Error(`injected crash at ${target} (claim-not-effects)`);
    },
    beforeWrite: async (branch, d) => {
      if (branch !== 'log' || d.commandId !== target) return;
      await claim;
      throw new Error(`injected crash at ${target} (claim-not-effects, log)`);
    },
  };
}

const hooksOf = (point: Point, target: string): (<C>() => FaultHooks<CommandDelivery<C>>) =>
  point === 'claim-not-effects' ? <C>() => crashAfterClaim<C>(target) : <C>() => crashAt<C>(point, target);

/** Runs the graph until the group has committed every record of the topic, then stops it. */
async function drain(s: PreventSample, o: RunOptions): Promise<void> {
  const run = s.run(o);
  await s.fx.admin.untilCommitted(s.fx.groupId, s.fx.topic, { timeoutMs: 120_000, failed: run.done });
  await run.stop();
}

/** Setup committed, then the commands produced. */
async function prepared(s: PreventSample, wiring: Wiring): Promise<void> {
  await s.fx.admin.produce(s.fx.topic, s.setup);
  await drain(s, { wiring, duplicates: 'prevent' });
  await s.fx.admin.produce(s.fx.topic, s.commands);
}

/** What must hold before any job: the target applied once as its claiming delivery, the state right; then the job has nothing to undo. */
async function expectOnceBeforeTheJob(s: PreventSample, expected: { applied: number; logged: number }): Promise<void> {
  const { client, keyspace } = s.fx;
  expect(await journalCounts(client, keyspace, s.target)).toEqual(expected);
  const owner = await claimOf(client, keyspace, s.target);
  expect(owner).toBeDefined();
  expect(await journalIds(client, keyspace, s.target, 'applied')).toEqual([owner]);
  expect(await s.targetEffects()).toBe(1);
  const state = await s.wrongState();
  expect(state.checked).toBeGreaterThan(5);
  expect(state.wrong).toBe(0);

  const summary = await s.compensate();
  expect(summary).toMatchObject({ duplicateEffects: 0, duplicateDeliveries: 0, compensated: 0, idempotent: 0 });
  expect(summary.auditDuplicates).toBeGreaterThanOrEqual(expected.logged - 1);
  expect((await s.wrongState()).wrong).toBe(0);
}

describe('prevent mode: crash points', () => {
  for (const { name, make } of SAMPLES) {
    it.each(CASES)(`${name}, $wiring wiring, $point: the redelivery has no second effect, before any job`, async ({ wiring, point, crashed, expected }) => {
      const s = (sample = await make(`prevent_${name === 'inventory' ? 'inv' : 'money'}_${wiring}_${point}`));
      await prepared(s, wiring);

      const crashing = s.run({ wiring, duplicates: 'prevent', faults: hooksOf(point, s.target) });
      await expect(crashing.done).rejects.toThrow(/injected crash/);
      expect(await journalCounts(s.fx.client, s.fx.keyspace, s.target)).toEqual(crashed);
      const owner = await claimOf(s.fx.client, s.fx.keyspace, s.target);
      if (point === 'log-not-service') expect(owner).toBeUndefined(); // the service died before its claim
      else expect(owner).toBeDefined();

      await drain(s, { wiring, duplicates: 'prevent' });
      // The redelivery of a claimed command writes the claiming delivery's rows, never its own.
      if (owner !== undefined) expect(await claimOf(s.fx.client, s.fx.keyspace, s.target)).toBe(owner);
      await expectOnceBeforeTheJob(s, expected);
    });
  }
});

describe('prevent mode: duplicates from the producer and unknown LWT outcomes', () => {
  it('a command produced twice (two records) is applied once; the event log records both deliveries', async () => {
    const s = (sample = await moneySample('prevent_produced_twice'));
    await prepared(s, 'parallel');
    const again = s.commands.slice(50, 70);
    await s.fx.admin.produce(s.fx.topic, again);
    await drain(s, { wiring: 'parallel', duplicates: 'prevent' });
    expect(await journalCounts(s.fx.client, s.fx.keyspace, s.target)).toEqual({ applied: 1, logged: 2 });
    await expectOnceBeforeTheJob(s, { applied: 1, logged: 2 });
  });

  it('the default mode, same records: the duplicates take effect until the job runs (what prevent mode saves)', async () => {
    const s = (sample = await moneySample('prevent_default_contrast'));
    await s.fx.admin.produce(s.fx.topic, s.setup);
    await drain(s, { wiring: 'parallel', duplicates: 'compensate' });
    await s.fx.admin.produce(s.fx.topic, [...s.commands, ...s.commands.slice(50, 70)]);
    await drain(s, { wiring: 'parallel', duplicates: 'compensate' });
    expect(await s.targetEffects()).toBe(2);
    expect((await s.wrongState()).wrong).toBeGreaterThan(0);
    const summary = await s.compensate();
    expect(summary.duplicateDeliveries).toBe(20);
    expect((await s.wrongState()).wrong).toBe(0);
  });

  for (const lost of ['response', 'request'] as const) {
    it(`an LWT that times out (the ${lost} lost) is settled by a SERIAL read: the target is applied once`, async () => {
      const s = (sample = await inventorySample(`prevent_lwt_${lost}`));
      await prepared(s, 'parallel');
      let timeouts = 0;
      const real = s.fx.client;
      const client: CqlClient = {
        async execute(query: string, params: unknown[], o: CqlQueryOptions) {
          if (timeouts === 0 && query.includes('dendrites_claims') && query.endsWith('IF NOT EXISTS') && params[0] === s.target) {
            timeouts++;
            if (lost === 'response') await real.execute(query, params, o); // the claim lands; its answer does not
            const timeout = new errors.ResponseError(types.responseErrorCodes.writeTimeout, 'Operation timed out - received only 0 responses (CAS)');
            throw Object.assign(timeout, { writeType: 'CAS' });
          }
          return real.execute(query, params, o);
        },
        batch: (queries: CqlBatchEntry[], o: CqlQueryOptions) => real.batch(queries.map((q) => ({ query: q.query, params: [...q.params] })), o),
      };
      await drain(s, { wiring: 'parallel', duplicates: 'prevent', client });
      expect(timeouts).toBe(1);
      await expectOnceBeforeTheJob(s, { applied: 1, logged: 1 });
    });
  }
});
