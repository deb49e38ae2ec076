// The money-transfer command graph on the 3-node cluster (`npm run services -- up --nodes 3`)
// while commands stream in: one Cassandra node is SIGKILLed and started again, then one broker.
// Topics have replication factor 3 and min.insync.replicas 2, the keyspace 3 replicas, and
// every statement runs at QUORUM, so one node down must lose nothing: the graph never stops,
// reconcile finds no command of the topic lost or unlogged, and after the compensation job the
// balances are the once-only balances of every command produced.
import cassandra from 'cassandra-driver';
import { Kafka, type Producer, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaAdmin } from 'dendrites/kafka';
import { createKeyspace, dropKeyspace } from 'dendrites/cassandra';
import { compensate, createCqrsTables, parallelCommandGraph, reconcile } from 'dendrites/cqrs';
import { type Command, balancesOf, commandRecord, createMoneyTransferTables, domain, onceOnlyBalances, parseMoneyCommand, sampleCommands } from 'dendrites/samples/money-transfer';
import { clusterNodes, endpointOf } from '../../services/cluster.js';
import { connectionSettings } from '../../services/config.js';
import { probeCassandraNode, probeKafka, waitHealthy } from '../../services/health.js';
import { type JvmService, runningPid, startJvm } from '../../services/jvm.js';
import { randomName } from '../integration/env.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (msg: string): void => console.log(`[cluster-faults ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const nodes = clusterNodes(3);

/** A QUORUM client that looks for a lost node again every second. */
function quorumClient(): cassandra.Client {
  const s = connectionSettings();
  return new cassandra.Client({
    contactPoints: s.cassandraContactPoints,
    localDataCenter: s.cassandraLocalDc,
    policies: { reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(1000) },
    queryOptions: { consistency: cassandra.types.consistencies.quorum },
  });
}

/** SIGKILLs a node, leaves it down `downMs`, starts it and waits until it (and the cluster) answers again. */
async function killAndRestart(svc: JvmService, downMs: number): Promise<void> {
  const pid = runningPid(svc);
  if (pid === undefined) throw new Error(`${svc.name} is not running: this test needs the cluster of \`npm run services -- up --nodes 3\``);
  process.kill(pid, 'SIGKILL');
  log(`SIGKILL of ${svc.name} (pid ${pid})`);
  await sleep(downMs);
  startJvm(svc, log);
  const s = connectionSettings();
  // Each node asked on its own address (the other brokers list a killed broker for a few seconds more).
  const probe = svc.kind === 'kafka' ? () => probeKafka([endpointOf(svc)], 3) : () => probeCassandraNode(endpointOf(svc), s.cassandraLocalDc, 2);
  await waitHealthy(svc.name, probe, 180_000);
  log(`${svc.name} answers again`);
}

/** Waits until every partition of `topics` has all its replicas in sync again. */
async function untilInSync(kafka: Kafka, topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + 180_000;
    for (;;) {
      const meta = await admin.fetchTopicMetadata({ topics: [...topics] }).catch(() => undefined);
      if (meta?.topics.every((t) => t.partitions.every((p) => p.isr.length === p.replicas.length)) === true) return;
      if (Date.now() > deadline) throw new Error(`replicas of ${topics.join(', ')} not in sync after 180 s`);
      await sleep(1000);
    }
  } finally {
    await admin.disconnect();
  }
}

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
}, 120_000);

describe('the command graph on a 3-node cluster (real JVMs on 127.0.0.1-3)', () => {
  it('loses nothing and keeps running while a Cassandra node, then a broker, is SIGKILLed and restarted', async () => {
    const s = connectionSettings();
    expect(s.kafkaBrokers).toHaveLength(3);
    const kafka = new Kafka({ clientId: randomName('cluster'), brokers: s.kafkaBrokers, logLevel: logLevel.ERROR });
    const admin = kafkaAdmin({ kafka });
    const client = quorumClient();
    cleanups.push(() => client.shutdown(), () => admin.close());
    const keyspace = randomName('cluster');
    const topic = randomName('cluster_commands');
    const topics = [topic, `${topic}-dead-letter`];
    await admin.createTopics(topics, { partitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } });
    await createKeyspace(client, keyspace, { replication: { class: 'NetworkTopologyStrategy', [s.cassandraLocalDc]: 3 } });
    cleanups.push(() => dropKeyspace(client, keyspace), () => admin.deleteTopics(topics));
    await createCqrsTables(client, keyspace);
    await createMoneyTransferTables(client, keyspace);

    const since = Date.now() - 1000;
    const sample = sampleCommands({ accounts: 20, transfers: 12_000, prefix: 'c', seed: 18 });
    const sent: Command[] = [];
    const newProducer = async (): Promise<Producer> => {
      const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      cleanups.push(() => p.disconnect());
      await p.connect();
      return p;
    };
    let producer = await newProducer();
    /**
     * acks=all; retried while a broker is down (a record twice in the topic is fine, one missing is not).
     * After a broker SIGKILL a kafkajs idempotent producer can stay failed ("out of order sequence
     * number") for good: after 10 failures in a row, a new producer (a new producer id) sends them.
     */
    const send = async (commands: readonly Command[]): Promise<void> => {
      for (let failures = 1; ; failures++) {
        try {
          await producer.send({ topic, acks: -1, messages: commands.map(commandRecord).map((r) => ({ key: r.key, value: r.value })) });
          sent.push(...commands);
          return;
        } catch (error) {
          if (failures % 10 === 0) {
            log(`send failed ${failures} times in a row (${error instanceof Error ? error.message : String(error)}); a new producer`);
            void producer.disconnect().catch(() => undefined);
            producer = await newProducer().catch(() => producer);
          }
          await sleep(500);
        }
      }
    };

    const groupId = randomName('cluster_group');
    const run = parallelCommandGraph({ kafka, topic, groupId, client, keyspace, domain, consumer: { commitIntervalMs: 500, sessionTimeoutMs: 10_000 } }).run();
    let settled = false;
    run.done.then(() => (settled = true), () => (settled = true));
    cleanups.push(() => run.stop());
    await send(sample.opens);
    await admin.untilCommitted(groupId, topic, { timeoutMs: 120_000, failed: run.done });
    log('accounts opened');

    // About 40 transfers a second, until both faults are over (a node restarts in 1–2 minutes on 2 cores).
    let faulting = true;
    const streaming = (async () => {
      for (let i = 0; faulting && i < sample.transfers.length; i += 20) {
        await send(sample.transfers.slice(i, i + 20));
        await sleep(500);
      }
    })();
    await sleep(5_000);
    await killAndRestart(nodes.cassandra[1], 10_000);
    expect(settled).toBe(false);
    await sleep(5_000);
    await killAndRestart(nodes.kafka[1], 10_000);
    await untilInSync(kafka, [...topics, '__consumer_offsets']);
    expect(settled).toBe(false);
    await sleep(5_000);
    faulting = false;
    await streaming;
    log(`${sent.length} commands produced; waiting for the group to commit them`);
    await admin.untilCommitted(groupId, topic, { timeoutMs: 300_000, failed: run.done });
    expect(settled).toBe(false);
    await run.stop();
    await run.done;

    const rec = await reconcile({ kafka, topic, groupId, client, keyspace, domain, since, until: Date.now() });
    log(`reconcile: ${JSON.stringify({ lost: rec.lost, notLogged: rec.notLogged })}`);
    expect({ lost: rec.lost, notLogged: rec.notLogged }).toEqual({ lost: 0, notLogged: 0 });
    const job = await compensate({ client, keyspace, domain, since, until: Date.now() });
    log(`compensate: ${job.commands} commands, ${job.duplicateDeliveries} duplicate deliveries, ${job.compensated} compensated`);
    const unique = new Map(sent.map((c) => [c.id, c]));
    expect(job.commands).toBe(unique.size);
    const expected = onceOnlyBalances([...unique.values()].map((c) => parseMoneyCommand(c)));
    expect(await balancesOf(client, keyspace, expected.keys())).toEqual(expected);
  }, 900_000);
});
