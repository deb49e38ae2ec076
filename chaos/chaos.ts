/**
 * `npm run chaos -- --minutes N`: the money-transfer command graph under random real faults.
 *
 * The graph runs in a child process (`dendrites run`) while transfers are produced at
 * `--rate` per second. Every 15–30 s one fault, drawn at random: SIGKILL of the graph
 * (restarted a second later), a broker restart (SIGTERM or SIGKILL, down 10 s), Cassandra
 * stopped (SIGTERM or SIGKILL, down 15 s), or a slow Cassandra (SIGSTOP for 8 s). After N
 * minutes it stops producing, waits until the group has committed everything, and checks:
 * reconcile (the journal against the topic: lost commands), the compensation job, and every
 * balance against what the topic holds, read back with a plain kafkajs consumer and avsc
 * (not with dendrites) and summed with a plain cassandra-driver query. The last line is one
 * JSON object; the exit code is 0 only when nothing was lost and every balance is right.
 *
 * It runs against the local JVMs of `npm run services` (it stops and starts them).
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
import { CASSANDRA, type JvmService, KAFKA, runningPid, startJvm, stopJvm } from '../services/jvm.js';
import { probeCassandra, probeKafka, waitHealthy } from '../services/health.js';

const FAULTS = ['graph-sigkill', 'broker-sigterm', 'broker-sigkill', 'cassandra-sigterm', 'cassandra-sigkill', 'cassandra-slow'] as const;
type Fault = (typeof FAULTS)[number];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string): void => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`);

function options(): { minutes: number; rate: number; seed: number; wiring: string; accounts: number; keep: boolean } {
  const { values } = parseArgs({
    options: { minutes: { type: 'string' }, rate: { type: 'string' }, seed: { type: 'string' }, wiring: { type: 'string' }, accounts: { type: 'string' }, keep: { type: 'boolean' } },
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
  return {
    minutes: num('minutes', values.minutes, 2, 0.1),
    rate: num('rate', values.rate, 300, 1),
    seed: num('seed', values.seed, Date.now() % 100_000, 0),
    wiring,
    accounts: num('accounts', values.accounts, 100, 2),
    keep: values.keep === true,
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

async function healthy(svc: JvmService): Promise<void> {
  const s = connectionSettings();
  const probe = svc === KAFKA ? () => probeKafka(s.kafkaBrokers) : () => probeCassandra(s.cassandraContactPoints, s.cassandraLocalDc);
  await waitHealthy(svc.name, probe, 180_000);
}

/** Both servers running and healthy (after a fault, or before the checks). */
async function bothUp(): Promise<void> {
  for (const svc of [KAFKA, CASSANDRA]) {
    const pid = runningPid(svc);
    if (pid !== undefined) process.kill(pid, 'SIGCONT');
    else startJvm(svc, () => undefined);
    await healthy(svc);
  }
}

async function main(): Promise<number> {
  const o = options();
  const rand = random(o.seed);
  await servicesUp({ log: (m) => log(`services: ${m}`) });
  const s = connectionSettings();
  const kafka = new Kafka({ clientId: 'dendrites-chaos', brokers: s.kafkaBrokers, logLevel: logLevel.NOTHING, retry: { retries: 20, maxRetryTime: 5_000 } });
  const client = new cassandra.Client({
    contactPoints: s.cassandraContactPoints,
    localDataCenter: s.cassandraLocalDc,
    policies: { reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(500) },
  });
  await client.connect();
  const id = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const names = { topic: `chaos_${id}`, keyspace: `chaos_${id}`, group: `chaos_${id}` };
  const admin = kafkaAdmin({ kafka });
  await admin.createTopics([names.topic, `${names.topic}-dead-letter`], { partitions: 3 });
  await createKeyspace(client, names.keyspace);
  await createCqrsTables(client, names.keyspace);
  await createMoneyTransferTables(client, names.keyspace);
  log(`seed ${o.seed}, ${o.minutes} min, ${o.rate} transfers/s, ${o.wiring} wiring, topic ${names.topic}`);

  const faults: Record<string, number> = {};
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
  const killGraph = async (signal: 'SIGKILL' | 'SIGTERM'): Promise<void> => {
    const c = child;
    if (c === undefined) return;
    killing = true;
    c.process.kill(signal);
    await c.exited;
    killing = false;
  };

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const send = async (records: readonly { key: string; value: Buffer }[]): Promise<void> => {
    for (;;) {
      try {
        await producer.send({ topic: names.topic, acks: -1, messages: records.map((r) => ({ key: r.key, value: r.value })) });
        return;
      } catch {
        await sleep(500); // the broker is down: the same records again (a duplicate in the topic is fine, a gap is not)
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
          const from = Math.floor(rand() * accounts.length);
          const to = (from + 1 + Math.floor(rand() * (accounts.length - 1))) % accounts.length;
          return commandRecord(transferMoney({ from_account: accounts[from], to_account: accounts[to], amount: 1 + Math.floor(rand() * 500) }));
        });
        await send(batch);
        produced += batch.length;
        await sleep(100);
      }
    })();

    while (Date.now() < end - 20_000) {
      await sleep(15_000 + rand() * 15_000);
      if (Date.now() >= end - 20_000) break;
      const fault: Fault = FAULTS[Math.floor(rand() * FAULTS.length)];
      faults[fault] = (faults[fault] ?? 0) + 1;
      log(`fault: ${fault} (produced ${produced} so far)`);
      const started = Date.now();
      if (fault === 'graph-sigkill') {
        await killGraph('SIGKILL');
        await sleep(1_000);
        startGraph();
      } else if (fault === 'broker-sigterm') await restart(KAFKA, 'SIGTERM', 10_000);
      else if (fault === 'broker-sigkill') await restart(KAFKA, 'SIGKILL', 10_000);
      else if (fault === 'cassandra-sigterm') await restart(CASSANDRA, 'SIGTERM', 15_000);
      else if (fault === 'cassandra-sigkill') await restart(CASSANDRA, 'SIGKILL', 15_000);
      else {
        const pid = runningPid(CASSANDRA);
        if (pid !== undefined) process.kill(pid, 'SIGSTOP');
        await sleep(8_000);
        if (pid !== undefined) process.kill(pid, 'SIGCONT');
      }
      log(`recovered from ${fault} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    await producing;
    log(`produced ${produced} transfers; waiting for the group to commit everything`);
    await bothUp();
    await admin.untilCommitted(names.group, names.topic, { timeoutMs: 600_000 });
    await killGraph('SIGTERM');

    const since = 0;
    const rec = await reconcile({ kafka, topic: names.topic, groupId: names.group, client, keyspace: names.keyspace, domain, since, until: Date.now() });
    const job = await compensate({ client, keyspace: names.keyspace, domain, since, until: Date.now() });
    const expected = await expectedBalances(kafka, names.topic);
    const wrong = await wrongBalances(client, names.keyspace, expected.balances);
    const result = {
      minutes: o.minutes,
      seed: o.seed,
      wiring: o.wiring,
      records: expected.records,
      commands: expected.commands,
      faults,
      graphExits,
      lost: rec.lost,
      notLogged: rec.notLogged,
      duplicates: job.duplicateDeliveries,
      compensated: job.compensated,
      wrongAccounts: wrong,
      stateCorrect: wrong === 0,
    };
    console.log(JSON.stringify(result));
    return rec.lost === 0 && wrong === 0 ? 0 : 1;
  } finally {
    await killGraph('SIGKILL').catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await bothUp();
    if (!o.keep) {
      await dropKeyspace(client, names.keyspace).catch(() => undefined);
      await admin.deleteTopics([names.topic, `${names.topic}-dead-letter`]).catch(() => undefined);
    }
    await admin.close();
    await client.shutdown();
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
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        records++;
        const c = type.fromBuffer(message.value ?? Buffer.alloc(0)) as { id: string; action: string; data: Record<string, unknown> };
        if (!seen.has(c.id)) seen.set(c.id, c);
        if (records >= total) resolve();
      },
    });
  });
  await consumer.disconnect();
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
