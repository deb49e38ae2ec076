// Contender 2: what a user would write without dendrites. kafkajs `eachBatch` (autoCommit
// off, several partitions at once), avsc decode, the same validation the domain does (known
// accounts, positive amount), both writes of every command of the batch (the statements the
// graph writes, see common.ts; prepared, as `executeConcurrent` does) with a fixed number of
// writes in flight per batch, then `resolveOffset` and a commit of the batch: an offset is
// committed only after both writes of every record up to it are acknowledged.
// Fetch bounds: by default the same as dendrites' (GRAPH_FETCH_DEFAULTS, 64 KiB per partition,
// 256 KiB per fetch); as `baseline-defaults`, kafkajs' own (1 MiB / 10 MiB).
// Latency is stamped per command, when both of its writes are acknowledged, as for dendrites.
import cassandra from 'cassandra-driver';
import { type Command, commandType } from 'dendrites/samples/money-transfer';
import { Arrivals } from './arrivals.js';
import { type ChildConfig, type ChildResult, LatencyProbe, newCassandra, newKafka, peakRssMb, sampled, type Statement, transferCql, transferStatements } from './common.js';

const PREPARED = { prepare: true } as const;

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
  const writesPerBatch = config.batchConcurrency ?? 64;
  const commandsPerBatch = Math.max(1, writesPerBatch >> 1); // two writes per command, both at once
  const arrivals = new Arrivals();
  const probe = new LatencyProbe(config.commands);
  const kafka = newKafka(config, `e2e-${config.contender}`);
  const client = newCassandra(config);
  await client.connect();
  const accounts = await knownAccounts(client, config.keyspace);
  const cql = transferCql(config.keyspace);
  const consumer = kafka.consumer({ groupId: config.groupId, ...(config.fetch ?? {}) });
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
      const sampledAt: boolean[] = new Array<boolean>(messages.length);
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
        sampledAt[i] = sampled(c.id);
      }
      // `commandsPerBatch` workers, each writing one command at a time (its two writes at once).
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < messages.length && failure === undefined) {
          const i = next++;
          const service = queries[2 * i];
          const log = queries[2 * i + 1];
          await Promise.all([client.execute(service.query, service.params, PREPARED), client.execute(log.query, log.params, PREPARED)]);
          if (sampledAt[i]) probe.add(performance.now() - arrivedAt);
          if (++done === config.commands) probe.finish();
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(commandsPerBatch, messages.length) }, worker));
      } catch (error) {
        failure ??= error;
        fail(error);
        throw error;
      }
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
  const fetch = config.fetch === undefined ? "kafkajs' default fetch (1 MiB per partition / 10 MiB per fetch)" : `fetch ${config.fetch.maxBytesPerPartition / 1024} KiB per partition / ${config.fetch.maxBytes / 1024} KiB per fetch`;
  return {
    contender: config.contender,
    commands: config.commands,
    ms: Math.round(ms),
    commandsPerSec: Math.round((config.commands / ms) * 1000),
    ...probe.summary(),
    peakRssMb: peakRssMb(),
    windowCpuMs: probe.windowCpuMs(arrivals.firstCpu),
    note: `partitionsConsumedConcurrently ${partitionsAtOnce}, ${commandsPerBatch} commands (${2 * commandsPerBatch} writes) in flight per batch, ${fetch}`,
  };
}
