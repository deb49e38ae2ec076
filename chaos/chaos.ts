/**
 * `npm run chaos -- --minutes N`: the money-transfer command graph under random real faults.
 *
 * The graph runs in a child process (`dendrites run`) while transfers are produced at
 * `--rate` per second (default 300; 100 with `--nodes 3`). The first faults are certain, 10–15 s
 * apart, so that even a short run has them: SIGKILLs of the graph, the broker and Cassandra
 * (on the cluster: of a Cassandra node, then a broker). Then every 15–30 s one fault, drawn at
 * random: SIGKILL of the graph (restarted a second later), a broker restart (SIGTERM or
 * SIGKILL, down 10 s), Cassandra stopped (SIGTERM or SIGKILL, down 15 s), or a slow Cassandra
 * (SIGSTOP for 8 s). After N
 * minutes it stops producing, waits until the group has committed everything, and checks:
 * reconcile (the journal against the topic: lost commands), the compensation job, and every
 * balance against what the topic holds, read back with a plain kafkajs consumer and avsc
 * (not with dendrites) and summed with a plain cassandra-driver query. The last line is one
 * JSON object; the exit code is 0 only when nothing was lost and every balance is right.
 *
 * It runs against the local JVMs of `npm run services` (it stops and starts them). With
 * `--nodes 3` it brings up (or reuses) the 3-node cluster of `npm run services -- up --nodes 3`,
 * creates the topics with replication factor 3 and `min.insync.replicas` 2 and the keyspace with
 * 3 replicas, writes and reads at QUORUM, and each broker or Cassandra fault hits one node (the
 * first two faults are a Cassandra node SIGKILL and a broker SIGKILL; a node is back, and a broker
 * back in every in-sync replica set, before the next fault): one node down must lose nothing.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import avro from 'avsc';
import cassandra from 'cassandra-driver';
import { Kafka, logLevel } from 'kafkajs';
import { createKeyspace, dropKeyspace } from 'dendrites/cassandra';
import { kafkaAdmin } from 'dendrites/kafka';
import { compensate, createCqrsTables, reconcile } from 'dendrites/cqrs';
import { commandRecord, createMoneyTransferTables, domain, openAccount, transferMoney } from 'dendrites/samples/money-transfer';
import { type GraphChild, startGraphChild } from '../src/cli/child.js';
import { connectionSettings, servicesUp } from '../services/services.js';
import { clusterNodes, endpointOf, nodeCount, type NodeCount } from '../services/cluster.js';
import { type JvmService, runningPid, startJvm, stopJvm } from '../services/jvm.js';
import { probeCassandra, probeCassandraNode, probeKafka, waitHealthy } from '../services/health.js';

const FAULTS = ['graph-sigkill', 'broker-sigterm', 'broker-sigkill', 'cassandra-sigterm', 'cassandra-sigkill', 'cassandra-slow'] as const;
type Fault = (typeof FAULTS)[number];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string): void => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** What the run is waiting for now: the watchdog names it (with the pending handles) when a wait is long. */
let step = { what: 'starting', since: Date.now() };

/**
 * Awaits `p` as the named step, logged before and after with its duration; rejects with an error
 * naming the step once `ms` have passed (a chaos run fails, it never hangs).
 */
async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  const started = Date.now();
  step = { what, since: started };
  log(`${what}…`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${Math.round(ms / 1000)} s`)), ms);
  });
  p.catch(() => undefined); // a late rejection after the timeout is not unhandled
  try {
    const value = await Promise.race([p, timeout]);
    log(`${what}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return value;
  } finally {
    clearTimeout(timer);
  }
}

/** Every minute a step has been waiting for over a minute: what it is, and what the event loop holds (sockets, timers, children). */
function watchdog(): NodeJS.Timeout {
  const timer = setInterval(() => {
    const waited = Date.now() - step.since;
    if (waited < 60_000) return;
    const counts = new Map<string, number>();
    for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
    log(`still waiting on "${step.what}" after ${Math.round(waited / 1000)} s; pending: ${[...counts].map(([r, n]) => `${n} ${r}`).join(', ')}`);
  }, 60_000);
  timer.unref();
  return timer;
}

function options(): { minutes: number; rate: number; seed: number; wiring: string; accounts: number; keep: boolean; nodes: NodeCount } {
  const { values } = parseArgs({
    options: { minutes: { type: 'string' }, rate: { type: 'string' }, seed: { type: 'string' }, wiring: { type: 'string' }, accounts: { type: 'string' }, keep: { type: 'boolean' }, nodes: { type: 'string' } },
    strict: true,
  });
  const num = (name: string, raw: string | undefined, fallback: number, min: number): number => {
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(n) || n < min) {
      console.error(`chaos: --${name} must be a number ≥ ${min}, got "${raw}"`);
      process.exit(2);
    }
    return n;
  };
  const wiring = values.wiring ?? 'parallel';
  if (wiring !== 'parallel' && wiring !== 'series') {
    console.error(`chaos: --wiring must be parallel or series, got "${wiring}"`);
    process.exit(2);
  }
  let nodes: NodeCount;
  try {
    nodes = nodeCount(values.nodes);
  } catch (err: unknown) {
    console.error(`chaos: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
  return {
    minutes: num('minutes', values.minutes, 2, 0.1),
    // The cluster runs six JVMs on the same cores: a lower default rate, so the backlog after the faults stays short.
    rate: num('rate', values.rate, nodes === 3 ? 100 : 300, 1),
    seed: num('seed', values.seed, Date.now() % 100_000, 0),
    wiring,
    accounts: num('accounts', values.accounts, 100, 2),
    keep: values.keep === true,
    nodes,
  };
}

/** A seeded pseudo-random generator (LCG), so a run can be repeated with --seed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32);
}

async function restart(svc: JvmService, how: 'SIGTERM' | 'SIGKILL', downMs: number): Promise<void> {
  if (how === 'SIGTERM') await stopJvm(svc, () => undefined);
  else {
    const pid = runningPid(svc);
    if (pid !== undefined) process.kill(pid, 'SIGKILL');
  }
  await sleep(downMs);
  startJvm(svc, () => undefined);
  await healthy(svc);
}

/** Waits until `svc` answers: the single server, or a cluster node (a broker: all brokers listed; a Cassandra node: its peers listed). */
async function healthy(svc: JvmService): Promise<void> {
  const s = connectionSettings();
  const size = svc.cluster?.size ?? 1;
  const probe =
    svc.kind === 'kafka'
      ? () => probeKafka(svc.cluster === undefined ? s.kafkaBrokers : [endpointOf(svc)], size) // a cluster broker asked on its own address: the others list a killed broker for seconds
      : svc.cluster === undefined
        ? () => probeCassandra(s.cassandraContactPoints, s.cassandraLocalDc)
        : () => probeCassandraNode(endpointOf(svc), s.cassandraLocalDc, size - 1);
  await waitHealthy(svc.name, probe, 180_000);
}

/** Every server (every node) running and healthy (after a fault, or before the checks). */
async function allUp(nodes: NodeCount): Promise<void> {
  const { kafka, cassandra } = clusterNodes(nodes);
  for (const svc of [...kafka, ...cassandra]) {
    const pid = runningPid(svc);
    if (pid !== undefined) process.kill(pid, 'SIGCONT');
    else startJvm(svc, () => undefined);
  }
  for (const svc of [...kafka, ...cassandra]) await healthy(svc);
}

/** Waits until every partition of `topics` has all its replicas in sync (a restarted broker caught up). */
async function untilInSync(kafka: Kafka, topics: readonly string[], timeoutMs = 180_000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const meta = await admin.fetchTopicMetadata({ topics: [...topics] }).catch(() => undefined);
      const behind = meta?.topics.flatMap((t) => t.partitions.filter((p) => p.isr.length < p.replicas.length)).length;
      if (behind === 0) return;
      if (Date.now() > deadline) throw new Error(`replicas of ${topics.join(', ')} not in sync after ${timeoutMs / 1000} s`);
      await sleep(1_000);
    }
  } finally {
    await admin.disconnect();
  }
}

/** The node a fault hits: the single server (drawing nothing, so a seed repeats the single-node runs), or one node of the cluster drawn at random. */
function pick(nodes: readonly JvmService[], rand: () => number): JvmService {
  return nodes.length === 1 ? nodes[0] : nodes[Math.floor(rand() * nodes.length)];
}

async function main(): Promise<number> {
  const o = options();
  // Two generators from one seed: the producer draws at its own pace, so sharing one would make the faults depend on timing.
  const faultRand = random(o.seed);
  const transferRand = random(o.seed ^ 0x5bd1e995);
  const cluster = o.nodes === 3;
  const up = await servicesUp({ nodes: o.nodes, log: (m) => log(`services: ${m}`) });
  if (cluster) {
    // The graph's child process (`dendrites run`) reads these: the cluster, and QUORUM for every statement.
    process.env.KAFKA_BROKERS = up.kafkaBrokers.join(',');
    process.env.CASSANDRA_CONTACT_POINTS = up.cassandraContactPoints.join(',');
    process.env.CASSANDRA_LOCAL_DC = up.cassandraLocalDc;
    process.env.CASSANDRA_CONSISTENCY = 'quorum';
  }
  const s = connectionSettings();
  const nodes = clusterNodes(o.nodes);
  // Request timeout 10 s (kafkajs: 30 s): with 20 retries, one request to a broker that does not answer fails within minutes, not a quarter of an hour.
  const kafka = new Kafka({ clientId: 'dendrites-chaos', brokers: s.kafkaBrokers, logLevel: logLevel.NOTHING, connectionTimeout: 3_000, requestTimeout: 10_000, retry: { retries: 20, maxRetryTime: 5_000 } });
  const client = new cassandra.Client({
    contactPoints: s.cassandraContactPoints,
    localDataCenter: s.cassandraLocalDc,
    policies: { reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(500) },
    ...(cluster ? { queryOptions: { consistency: cassandra.types.consistencies.quorum } } : {}),
  });
  await client.connect();
  // The checks scan the journal from here (a minute early, for clock skew), not from 1970: a scan from 0 is one query per
  // hourly bucket since the epoch (~495,000), each at QUORUM on the cluster: it looked like a hang.
  const runStarted = Date.now() - 60_000;
  const id = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const names = { topic: `chaos_${id}`, keyspace: `chaos_${id}`, group: `chaos_${id}` };
  const admin = kafkaAdmin({ kafka });
  const topics = [names.topic, `${names.topic}-dead-letter`];
  await admin.createTopics(topics, { partitions: 3, ...(cluster ? { replicationFactor: 3, configs: { 'min.insync.replicas': '2' } } : {}) });
  await createKeyspace(client, names.keyspace, cluster ? { replication: { class: 'NetworkTopologyStrategy', [s.cassandraLocalDc]: 3 } } : {});
  await createCqrsTables(client, names.keyspace);
  await createMoneyTransferTables(client, names.keyspace);
  log(`seed ${o.seed}, ${o.minutes} min, ${o.rate} transfers/s, ${o.wiring} wiring, ${o.nodes} node(s), topic ${names.topic}`);

  const faults: Record<string, number> = {};
  const faultedNodes: Record<string, number> = {};
  let graphExits = 0;
  let child: GraphChild | undefined;
  let killing = false;
  const startGraph = (): void => {
    const c = startGraphChild(['--domain', 'money-transfer', '--topic', names.topic, '--group', names.group, '--keyspace', names.keyspace, '--wiring', o.wiring, '--commit-interval-ms', '500', '--session-timeout-ms', '10000']);
    child = c;
    void c.exited.then((code) => {
      if (child !== c || killing) return;
      graphExits++; // the graph stopped by itself: a fault it did not ride out
      log(`the graph exited by itself (${code}); restarting it`);
      startGraph();
    });
  };
  /** Stops the graph: `signal`, then SIGKILL if a SIGTERM is not obeyed within 30 s; rejects if the child is still there 10 s after a SIGKILL. */
  const killGraph = async (signal: 'SIGKILL' | 'SIGTERM'): Promise<void> => {
    const c = child;
    if (c === undefined) return;
    killing = true;
    try {
      if (c.process.exitCode !== null || c.process.signalCode !== null) return; // gone already (its exit was logged, or it was killed)
      const exitedWithin = (ms: number): Promise<boolean> => Promise.race([c.exited.then(() => true), sleep(ms).then(() => false)]);
      c.process.kill(signal);
      if (signal === 'SIGTERM' && !(await exitedWithin(30_000))) {
        log(`the graph (pid ${c.process.pid}) did not stop within 30 s of SIGTERM; SIGKILL`);
        c.process.kill('SIGKILL');
      }
      if (!(await exitedWithin(10_000))) throw new Error(`the graph (pid ${c.process.pid}) did not exit within 10 s of SIGKILL`);
    } finally {
      killing = false;
    }
  };

  let producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let stopSending = false;
  const send = async (records: readonly { key: string; value: Buffer }[]): Promise<void> => {
    let failures = 0;
    for (;;) {
      if (stopSending) throw new Error('chaos: sending stopped');
      try {
        await producer.send({ topic: names.topic, acks: -1, messages: records.map((r) => ({ key: r.key, value: r.value })) });
        return;
      } catch (error: unknown) {
        failures++;
        // The broker is down: the same records again (a duplicate in the topic is fine, a gap is not).
        // An idempotent producer can stay failed after a broker SIGKILL (its sequence numbers out of
        // step): after 20 failures in a row, a new producer (a new producer id) sends them.
        if (failures % 20 === 0) {
          log(`send failed ${failures} times in a row (${error instanceof Error ? error.message : String(error)}); a new producer`);
          const old = producer;
          void Promise.race([old.disconnect(), sleep(10_000)]).catch(() => undefined);
          producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
          await Promise.race([producer.connect(), sleep(15_000)]).catch(() => undefined);
        }
        await sleep(500);
      }
    }
  };

  try {
    startGraph();
    const accounts = Array.from({ length: o.accounts }, (_, i) => `acct-${String(i).padStart(4, '0')}`);
    await send(accounts.map((a) => commandRecord(openAccount({ account_id: a, initial_balance: 1_000_000 }))));
    await admin.untilCommitted(names.group, names.topic, { timeoutMs: 120_000 });
    log(`${accounts.length} accounts opened`);

    const end = Date.now() + o.minutes * 60_000;
    let produced = 0;
    const producing = (async () => {
      while (Date.now() < end) {
        const batch = Array.from({ length: Math.max(1, Math.round(o.rate / 10)) }, () => {
          const from = Math.floor(transferRand() * accounts.length);
          const to = (from + 1 + Math.floor(transferRand() * (accounts.length - 1))) % accounts.length;
          return commandRecord(transferMoney({ from_account: accounts[from], to_account: accounts[to], amount: 1 + Math.floor(transferRand() * 500) }));
        });
        await send(batch);
        produced += batch.length;
        await sleep(100);
      }
    })();

    // The first faults are certain, so that even a short run (CI's two minutes) has the SIGKILLs durability is about:
    // the graph, the broker and Cassandra (on the cluster, one Cassandra node and then one broker: each takes minutes).
    const certain: Fault[] = cluster ? ['cassandra-sigkill', 'broker-sigkill'] : ['graph-sigkill', 'broker-sigkill', 'cassandra-sigkill'];
    while (certain.length > 0 || Date.now() < end - 20_000) {
      await sleep(certain.length > 0 ? 10_000 + faultRand() * 5_000 : 15_000 + faultRand() * 15_000);
      if (certain.length === 0 && Date.now() >= end - 20_000) break;
      const fault: Fault = certain.shift() ?? FAULTS[Math.floor(faultRand() * FAULTS.length)];
      faults[fault] = (faults[fault] ?? 0) + 1;
      const target = fault === 'graph-sigkill' ? undefined : pick(fault.startsWith('broker') ? nodes.kafka : nodes.cassandra, faultRand);
      if (target !== undefined) faultedNodes[target.name] = (faultedNodes[target.name] ?? 0) + 1;
      log(`fault: ${fault}${target !== undefined && cluster ? ` of ${target.name}` : ''} (produced ${produced} so far)`);
      const started = Date.now();
      if (target === undefined) {
        await killGraph('SIGKILL');
        await sleep(1_000);
        startGraph();
      } else if (fault === 'broker-sigterm' || fault === 'broker-sigkill') {
        await restart(target, fault === 'broker-sigterm' ? 'SIGTERM' : 'SIGKILL', 10_000);
        if (cluster) await within(240_000, 'waiting for every replica in sync', untilInSync(kafka, [...topics, '__consumer_offsets']));
      } else if (fault === 'cassandra-sigterm' || fault === 'cassandra-sigkill') {
        await restart(target, fault === 'cassandra-sigterm' ? 'SIGTERM' : 'SIGKILL', 15_000);
      } else {
        const pid = runningPid(target);
        if (pid !== undefined) process.kill(pid, 'SIGSTOP');
        await sleep(8_000);
        if (pid !== undefined) process.kill(pid, 'SIGCONT');
      }
      log(`recovered from ${fault} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    // The end phase: every wait bounded and logged, so a run fails with the step it was stuck in, never hangs.
    watchdog();
    await within(5 * 60_000, 'waiting for the producer to stop', producing).finally(() => {
      stopSending = true;
    });
    log(`produced ${produced} transfers`);
    await within(8 * 60_000, 'waiting for every server to answer', allUp(o.nodes));
    // A fresh Kafka client for the end phase: after a broker was SIGKILLed and restarted, the first
    // client's connections and metadata can be stale, and its requests (retried up to 20 times)
    // wait on them. Short request timeouts and few retries: a wait fails with a reason, not a stall.
    const checkKafka = new Kafka({ clientId: 'dendrites-chaos-check', brokers: s.kafkaBrokers, logLevel: logLevel.NOTHING, connectionTimeout: 3_000, requestTimeout: 15_000, retry: { retries: 5, maxRetryTime: 5_000 } });
    const checker = kafkaAdmin({ kafka: checkKafka });
    const progress = setInterval(() => {
      void Promise.race([checker.lag(names.group, names.topic), sleep(25_000).then(() => undefined)]).then(
        (l) => log(l === undefined ? 'the lag did not answer within 25 s' : `committed ${l.committed} of ${l.total} records (lag per partition ${l.partitions.map((p) => p.lag).join(', ')})`),
        (error: unknown) => log(`cannot read the lag: ${error instanceof Error ? error.message : String(error)}`),
      );
    }, 30_000);
    try {
      await within(11 * 60_000, 'waiting for the group to commit the topic', checker.untilCommitted(names.group, names.topic, { timeoutMs: 600_000 }));
    } finally {
      clearInterval(progress);
      void Promise.race([checker.close(), sleep(10_000)]);
    }
    await within(60_000, 'stopping the graph (SIGTERM)', killGraph('SIGTERM'));

    const since = runStarted;
    const rec = await within(5 * 60_000, 'reconcile', reconcile({ kafka: checkKafka, topic: names.topic, groupId: names.group, client, keyspace: names.keyspace, domain, since, until: Date.now() }));
    const job = await within(5 * 60_000, 'compensation job', compensate({ client, keyspace: names.keyspace, domain, since, until: Date.now() }));
    const expected = await within(5 * 60_000, 'reading the topic back (expected balances)', expectedBalances(checkKafka, names.topic));
    const wrong = await within(5 * 60_000, 'summing the ledgers (wrong balances)', wrongBalances(client, names.keyspace, expected.balances));
    const result = {
      nodes: o.nodes,
      minutes: o.minutes,
      seed: o.seed,
      wiring: o.wiring,
      records: expected.records,
      commands: expected.commands,
      faults,
      ...(cluster ? { faultedNodes } : {}),
      graphExits,
      lost: rec.lost,
      notLogged: rec.notLogged,
      duplicates: job.duplicateDeliveries, // extra deliveries applied, Σ (A − 1)
      duplicateCommands: job.duplicateEffects, // commands applied more than once
      compensated: job.compensated, // commands whose extra deliveries the job undid
      wrongAccounts: wrong,
      stateCorrect: wrong === 0,
    };
    console.log(JSON.stringify(result));
    return rec.lost === 0 && wrong === 0 ? 0 : 1;
  } finally {
    // Cleanup bounded too, and never masking the run's own error: each step logs its failure and the next one runs.
    stopSending = true;
    const cleanup = async (ms: number, what: string, p: Promise<unknown>): Promise<void> => {
      await within(ms, `cleanup: ${what}`, p).catch((error: unknown) => log(`cleanup: ${error instanceof Error ? error.message : String(error)}`));
    };
    await cleanup(60_000, 'stopping the graph', killGraph('SIGKILL'));
    await cleanup(20_000, 'disconnecting the producer', producer.disconnect());
    await cleanup(8 * 60_000, 'every server up again', allUp(o.nodes));
    if (!o.keep) {
      await cleanup(60_000, 'dropping the keyspace', dropKeyspace(client, names.keyspace));
      await cleanup(60_000, 'deleting the topics', admin.deleteTopics([names.topic, `${names.topic}-dead-letter`]));
    }
    await cleanup(20_000, 'closing the admin', admin.close());
    await cleanup(20_000, 'closing the Cassandra client', client.shutdown());
  }
}

/** What the topic implies, read with a plain consumer and avsc: each unique command applied once. */
async function expectedBalances(kafka: Kafka, topic: string): Promise<{ records: number; commands: number; balances: Map<string, number> }> {
  const type = avro.Type.forSchema(JSON.parse(readFileSync(new URL('../schemas/command.avsc', import.meta.url), 'utf8')) as avro.Schema);
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const total = ends.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  const seen = new Map<string, { action: string; data: Record<string, unknown> }>();
  let records = 0;
  const consumer = kafka.consumer({ groupId: `chaos-check-${randomBytes(4).toString('hex')}` });
  const progress = setInterval(() => log(`reading the topic back: ${records} of ${total} records`), 30_000);
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
      consumer
        .run({
          eachMessage: async ({ message }) => {
            records++;
            const c = type.fromBuffer(message.value ?? Buffer.alloc(0)) as { id: string; action: string; data: Record<string, unknown> };
            if (!seen.has(c.id)) seen.set(c.id, c);
            if (records >= total) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    clearInterval(progress);
    await Promise.race([consumer.disconnect(), sleep(15_000)]).catch(() => undefined);
  }
  const balances = new Map<string, number>();
  const add = (account: unknown, amount: unknown): void => void balances.set(String(account), (balances.get(String(account)) ?? 0) + Number(amount));
  for (const c of seen.values()) {
    if (c.action === 'open-account') add(c.data.account_id, c.data.initial_balance ?? 0);
    else {
      add(c.data.from_account, -Number(c.data.amount));
      add(c.data.to_account, c.data.amount);
    }
  }
  return { records, commands: seen.size, balances };
}

/** How many accounts' ledger sums (a plain cassandra-driver query) differ from `expected`. */
async function wrongBalances(client: cassandra.Client, keyspace: string, expected: ReadonlyMap<string, number>): Promise<number> {
  let wrong = 0;
  for (const [account, amount] of expected) {
    let sum = 0;
    let pageState: string | undefined;
    do {
      const page = await client.execute(`SELECT amount FROM ${keyspace}.ledger_entries WHERE account = ?`, [account], { prepare: true, fetchSize: 5000, pageState });
      for (const row of page.rows) {
        const v: unknown = row.get('amount');
        sum += cassandra.types.Long.isLong(v) ? (v as cassandra.types.Long).toNumber() : Number(v);
      }
      pageState = page.pageState ?? undefined;
    } while (pageState !== undefined);
    if (sum !== amount) wrong++;
  }
  return wrong;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
