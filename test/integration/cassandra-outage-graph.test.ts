// The money-transfer command graph through a 2-minute Cassandra outage: Cassandra is
// SIGKILLed while commands stream in, stays down 120 s and is started again.
// - Graph A (parallel wiring) was running: its writes wait and retry (the default give-up
//   time is 5 minutes), the source is backpressured, and the run never fails.
// - Graph B (series wiring) is STARTED while Cassandra is down, with a client that never
//   connected: the domain's `start` (it reads the accounts) and the first writes wait.
// Afterwards every command of both topics is applied and logged (the compensation job
// finds no command missing from either side), and after its one run the balances are the
// once-only balances. Both graphs' clients use a short reconnection policy, as RetryOptions
// recommends: the driver's default backs off towards 10 minutes before it looks again.
// Needs the Cassandra JVM started by services/ (not an external or docker Cassandra).
import cassandra from 'cassandra-driver';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { kafkaAdmin } from 'dendrites/kafka';
import { type MetricsSnapshot, type RunHandle } from 'dendrites';
import { type CassandraWriteSummary, createKeyspace, dropKeyspace } from 'dendrites/cassandra';
import { type SeriesGraphResult, compensate, createCqrsTables, parallelCommandGraph, seriesCommandGraph } from 'dendrites/cqrs';
import { type Command, balancesOf, commandRecord, createMoneyTransferTables, domain, onceOnlyBalances, parseMoneyCommand, sampleCommands } from 'dendrites/samples/money-transfer';
import { CASSANDRA, runningPid, startJvm } from '../../services/jvm.js';
import { isHealthy, probeCassandra, waitHealthy } from '../../services/health.js';
import { portOpen } from '../../services/proc.js';
import { cassandraContactPoints, cassandraLocalDc, newKafka, randomName } from './env.js';

const OUTAGE_MS = 120_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (msg: string): void => console.log(`[outage-graph] ${msg}`);
const probe = (): Promise<string> => probeCassandra(cassandraContactPoints(), cassandraLocalDc());

function patientClient(): cassandra.Client {
  return new cassandra.Client({
    contactPoints: cassandraContactPoints(),
    localDataCenter: cassandraLocalDc(),
    policies: { reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(1000) },
  });
}

/** Starts the launcher's Cassandra JVM unless one answers; waits until it does. */
async function ensureCassandra(): Promise<void> {
  if (await isHealthy(probe)) return;
  if (!(await portOpen('127.0.0.1', CASSANDRA.port))) startJvm(CASSANDRA, log);
  await waitHealthy('cassandra', probe, 180_000);
}

/** The largest value a counter of a stage (found by name) reached in the snapshots. */
function peak(snapshots: readonly MetricsSnapshot[], stage: string, counter: string): number {
  let max = 0;
  for (const s of snapshots) for (const st of s.stages) if (st.stage === stage) max = Math.max(max, st.counters[counter] ?? 0);
  return max;
}

const clients: cassandra.Client[] = [];
const keyspaces: string[] = [];
afterAll(async () => {
  await ensureCassandra();
  const client = patientClient();
  for (const ks of keyspaces) await dropKeyspace(client, ks).catch(() => undefined);
  for (const c of [client, ...clients]) await c.shutdown();
}, 300_000);

describe('the command graph through a 2-minute Cassandra outage (real Cassandra, SIGKILLed and started)', () => {
  it('loses nothing, never fails, and a graph started during the outage waits for Cassandra', async () => {
    if (runningPid(CASSANDRA) === undefined) throw new Error('this test kills the Cassandra JVM started by `npm run services -- up`; none is running here');
    const since = Date.now() - 1000;
    const kafka = newKafka();
    const admin = kafkaAdmin({ kafka });
    onTestFinished(() => admin.close());
    const client = patientClient();
    clients.push(client);
    const [ksA, ksB] = [randomName('outage_a'), randomName('outage_b')];
    keyspaces.push(ksA, ksB);
    const [topicA, topicB] = [randomName('outage_a_commands'), randomName('outage_b_commands')];
    await admin.createTopics([topicA, `${topicA}-dead-letter`, topicB, `${topicB}-dead-letter`], { partitions: 3 });
    for (const ks of keyspaces) {
      await createKeyspace(client, ks);
      await createCqrsTables(client, ks);
      await createMoneyTransferTables(client, ks);
    }
    const a = sampleCommands({ accounts: 20, transfers: 4_000, prefix: 'a', seed: 1 });
    const b = sampleCommands({ accounts: 20, transfers: 1_000, prefix: 'b', seed: 2 });
    const produce = (topic: string, commands: readonly Command[]): Promise<number> => admin.produce(topic, commands.map(commandRecord));
    const optionsA = { kafka, topic: topicA, groupId: randomName('outage_a_group'), client, keyspace: ksA, domain, consumer: { commitIntervalMs: 500 } };
    const optionsB = { kafka, topic: topicB, groupId: randomName('outage_b_group'), client, keyspace: ksB, domain, consumer: { commitIntervalMs: 500 } };

    // B's accounts are opened before the outage, by a run that stops; its transfers wait in Kafka.
    const opening = seriesCommandGraph(optionsB).run();
    await produce(topicB, b.opens);
    await admin.untilCommitted(optionsB.groupId, topicB, { timeoutMs: 60_000, failed: opening.done });
    await opening.stop();
    await produce(topicB, b.transfers);

    const snapshotsA: MetricsSnapshot[] = [];
    const runA = parallelCommandGraph(optionsA).run({ metricsIntervalMs: 1000 });
    runA.metrics$.subscribe((m) => snapshotsA.push(m));
    let settledA = false;
    runA.done.then(() => (settledA = true), () => (settledA = true));
    await produce(topicA, a.opens);
    await admin.untilCommitted(optionsA.groupId, topicA, { timeoutMs: 60_000, failed: runA.done });

    // A's transfers stream in (about 1,000 a second) while Cassandra goes down.
    const streaming = (async () => {
      for (let i = 0; i < a.transfers.length; i += 100) {
        await produce(topicA, a.transfers.slice(i, i + 100));
        await sleep(100);
      }
    })();
    await sleep(2000);
    const pid = runningPid(CASSANDRA);
    if (pid === undefined) throw new Error('no Cassandra JVM to kill');
    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    log(`SIGKILL of Cassandra (pid ${pid})`);

    const snapshotsB: MetricsSnapshot[] = [];
    let runB: RunHandle<SeriesGraphResult> | undefined;
    let settledB = false;
    try {
      await sleep(5000);
      const fresh = patientClient(); // never connected: the graph's first call connects it
      clients.push(fresh);
      runB = seriesCommandGraph({ ...optionsB, client: fresh }).run({ metricsIntervalMs: 1000 });
      runB.metrics$.subscribe((m) => snapshotsB.push(m));
      runB.done.then(() => (settledB = true), () => (settledB = true));
      log('graph B started while Cassandra is down');
      await sleep(killedAt + OUTAGE_MS - Date.now());
      expect({ settledA, settledB }).toEqual({ settledA: false, settledB: false }); // neither run failed
      startJvm(CASSANDRA, log);
      await waitHealthy('cassandra', probe, 180_000);
      log(`Cassandra answers again ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
    } finally {
      await ensureCassandra();
    }
    if (runB === undefined) throw new Error('graph B did not start');
    await streaming;
    await admin.untilCommitted(optionsA.groupId, topicA, { timeoutMs: 300_000, failed: runA.done });
    await admin.untilCommitted(optionsB.groupId, topicB, { timeoutMs: 300_000, failed: runB.done });
    log(`both graphs caught up ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
    await Promise.all([runA.stop(), runB.stop()]);
    const resultA = await runA.done;
    const resultB = await runB.done;
    const service = resultA.service as CassandraWriteSummary;
    const eventLog = resultA.eventLog as CassandraWriteSummary;

    // Health was visible: A's sinks had writes waiting to retry, B's parse stage retried `start`.
    const waitingA = peak(snapshotsA, 'service', 'waiting');
    const startRetriesB = peak(snapshotsB, 'money-transfer-parse', 'retries');
    log(
      `A: service ${service.written} written after ${service.retries} retries (peak ${waitingA} waiting), event log ${eventLog.written} written after ${eventLog.retries} retries; ` +
        `B: start retried ${startRetriesB} times, event log ${(resultB.eventLog as CassandraWriteSummary).written} written`,
    );
    expect(service.retries).toBeGreaterThan(0);
    expect(waitingA).toBeGreaterThan(0);
    expect(startRetriesB).toBeGreaterThan(0);

    // Nothing lost: every command applied and logged (duplicates allowed, the job undoes them).
    for (const [ks, commands] of [[ksA, [...a.opens, ...a.transfers]], [ksB, [...b.opens, ...b.transfers]]] as const) {
      const summary = await compensate({ client, keyspace: ks, domain, since, until: Date.now() });
      log(`${ks}: ${summary.commands} commands, ${summary.deliveriesApplied} applied, ${summary.deliveriesLogged} logged, ${summary.compensated} compensated`);
      expect(summary).toMatchObject({ commands: commands.length, appliedNotLogged: 0, loggedNotApplied: 0 });
      expect(summary.deliveriesApplied).toBeGreaterThanOrEqual(commands.length);
      const expected = onceOnlyBalances(commands.map((c) => parseMoneyCommand(c)));
      expect(await balancesOf(client, ks, expected.keys())).toEqual(expected);
    }
  }, 900_000);
});
