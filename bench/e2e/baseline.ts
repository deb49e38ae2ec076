// Contender 2: what a user would write without dendrites. kafkajs `eachBatch` (autoCommit
// off, several partitions at once), avsc decode, the same validation the domain does (known
// accounts, positive amount), both writes of the whole batch (the statements the graph
// writes, see common.ts) with cassandra-driver's `executeConcurrent`, then `resolveOffset`
// and a commit of the batch: an offset is committed only after both writes of every
// record up to it are acknowledged.
import cassandra from 'cassandra-driver';
import { type Command, commandType } from 'dendrites/samples/money-transfer';
import { Arrivals } from './arrivals.js';
import { type ChildConfig, type ChildResult, LatencyProbe, newCassandra, newKafka, peakRssMb, sampled, type Statement, transferCql, transferStatements } from './common.js';

/** The accounts the service knows (what the domain reads when it starts). */
async function knownAccounts(client: cassandra.Client, keyspace: string): Promise<Set<string>> {
  const out = new Set<string>();
  let pageState: string | undefined;
  do {
    const page = await client.execute(`SELECT account_id FROM ${keyspace}.accounts`, [], { prepare: true, fetchSize: 5000, pageState });
    for (const row of page.rows) out.add(String(row.get('account_id')));
    pageState = page.pageState ?? undefined;
  } while (pageState !== undefined);
  return out;
}

export async function runBaseline(config: ChildConfig): Promise<ChildResult> {
  const partitionsAtOnce = config.concurrency ?? 6;
  const concurrencyLevel = config.batchConcurrency ?? 64;
  const arrivals = new Arrivals();
  const probe = new LatencyProbe(config.commands);
  const kafka = newKafka(config, 'e2e-baseline');
  const client = newCassandra(config);
  await client.connect();
  const accounts = await knownAccounts(client, config.keyspace);
  const cql = transferCql(config.keyspace);
  const consumer = kafka.consumer({ groupId: config.groupId, maxBytesPerPartition: 1_048_576 });
  let done = 0;
  let failure: unknown;
  let finish!: () => void;
  let fail!: (error: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) fail(event.payload.error);
  });
  await consumer.connect();
  await consumer.subscribe({ topic: config.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: partitionsAtOnce,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      const messages = batch.messages;
      if (messages.length === 0 || failure !== undefined) return;
      const arrivedAt = arrivals.batch(batch.partition, Number(messages[messages.length - 1].offset));
      const queries: Statement[] = new Array<Statement>(messages.length * 2);
      const sampledIds: string[] = [];
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i];
        if (m.value === null) throw new Error(`record ${batch.partition}/${m.offset} has no value`);
        const c = commandType.fromBuffer(m.value) as Command;
        const d = c.data;
        if (c.action !== 'transfer-money' || d.from_account === null || d.to_account === null || d.amount === null || d.amount <= 0 || !Number.isSafeInteger(d.amount) || !accounts.has(d.from_account) || !accounts.has(d.to_account)) {
          throw new Error(`bad command ${c.id} at ${batch.partition}/${m.offset}: the bench produces none`);
        }
        const [service, log] = transferStatements(
          cql,
          { id: c.id, timestamp: c.timestamp, from_account: d.from_account, to_account: d.to_account, amount: d.amount },
          { topic: batch.topic, partition: batch.partition, offset: m.offset, kafkaTimestamp: Number(m.timestamp) },
        );
        queries[2 * i] = service;
        queries[2 * i + 1] = log;
        if (sampled(c.id)) sampledIds.push(c.id);
      }
      try {
        await cassandra.concurrent.executeConcurrent(client, queries, { concurrencyLevel, raiseOnFirstError: true });
      } catch (error) {
        failure ??= error;
        fail(error);
        throw error;
      }
      const now = performance.now();
      for (let i = 0; i < sampledIds.length; i++) probe.add(now - arrivedAt);
      done += messages.length;
      if (done >= config.commands) probe.lastAt = now;
      if (!isRunning() || isStale()) return;
      const last = messages[messages.length - 1].offset;
      resolveOffset(last);
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
      await heartbeat();
      if (done >= config.commands) finish();
    },
  });
  await finished;
  await consumer.disconnect();
  await client.shutdown();
  const ms = probe.lastAt - (arrivals.firstAt ?? probe.lastAt);
  return {
    contender: 'baseline',
    commands: config.commands,
    ms: Math.round(ms),
    commandsPerSec: Math.round((config.commands / ms) * 1000),
    ...probe.summary(),
    peakRssMb: peakRssMb(),
    note: `partitionsConsumedConcurrently ${partitionsAtOnce}, executeConcurrent concurrencyLevel ${concurrencyLevel} per batch`,
  };
}
