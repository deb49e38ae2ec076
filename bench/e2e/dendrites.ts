// Contender 1: the money-transfer sample's domain in the parallel CQRS graph
// (src/graphs/command-graph.ts) as it ships (its default parallelism per branch and fetch
// bounds), on a fresh group and keyspace. The `prevent` contender is the same graph with
// `duplicates: 'prevent'` (an LWT claim per command before its service write).
// Instrumented from the outside only: the kafkajs client notes when each batch arrives,
// the Cassandra client counts acknowledged writes and samples latencies.
import type cassandra from 'cassandra-driver';
import type { Consumer, ConsumerRunConfig, Kafka } from 'kafkajs';
import { type CqlBatchEntry, type CqlClient, type CqlQueryOptions } from 'dendrites/cassandra';
import { DEFAULT_GRAPH_PARALLELISM, GRAPH_FETCH_DEFAULTS, parallelCommandGraph } from 'dendrites/cqrs';
import { domain } from 'dendrites/samples/money-transfer';
import { Arrivals } from './arrivals.js';
import { type ChildConfig, type ChildResult, LatencyProbe, newCassandra, newKafka, peakRssMb, sampled } from './common.js';

/** A kafkajs client whose consumers report each batch's arrival before the stage sees it. */
function instrumentedKafka(kafka: Kafka, arrivals: Arrivals): Kafka {
  const wrapped = Object.create(kafka) as Kafka;
  wrapped.consumer = (config) => {
    const consumer: Consumer = kafka.consumer(config);
    const run = consumer.run.bind(consumer);
    consumer.run = (runConfig?: ConsumerRunConfig) => {
      const eachBatch = runConfig?.eachBatch;
      if (eachBatch === undefined) return run(runConfig);
      return run({
        ...runConfig,
        eachBatch: (payload) => {
          const m = payload.batch.messages;
          if (m.length > 0) arrivals.batch(payload.batch.partition, Number(m[m.length - 1].offset));
          return eachBatch(payload);
        },
      });
    };
    return consumer;
  };
  return wrapped;
}

/** Writes in flight, averaged over time. */
const inFlight = {
  n: 0,
  area: 0,
  at: 0,
  started: 0,
  enter(): void {
    this.tick();
    this.n++;
  },
  leave(): void {
    this.tick();
    this.n--;
  },
  tick(): void {
    const now = performance.now();
    if (this.at > 0) this.area += this.n * (now - this.at);
    this.at = now;
  },
  mean(): number {
    return this.at > this.started ? Math.round((this.area / (this.at - this.started)) * 10) / 10 : 0;
  },
};

interface Pending {
  arrival: number | undefined;
}

/**
 * Which write a statement is, classified once per CQL text (the graph reuses a few texts):
 * scanning each ~1 KB text per write cost about 1.5% of the child's CPU, which the
 * baseline, stamping inside its own loop, does not pay.
 */
const kinds = new Map<string, 'service' | 'log' | 'other'>();
function kindOf(query: string): 'service' | 'log' | 'other' {
  let kind = kinds.get(query);
  if (kind === undefined) {
    kind = !query.startsWith('BEGIN BATCH INSERT INTO') ? 'other' : query.includes('.ledger_entries ') ? 'service' : query.includes('.event_log ') ? 'log' : 'other';
    kinds.set(query, kind);
  }
  return kind;
}

/**
 * A CqlClient that counts the two writes of each delivery and samples their latency. Both
 * branches write one `BEGIN BATCH` statement per delivery through `execute`: the service's
 * starts with the domain's ledger entries (the command id third), the event log's with the
 * `event_log` row (the command id second, the record's partition and offset tenth and eleventh).
 */
function instrumentedClient(client: cassandra.Client, arrivals: Arrivals, probe: LatencyProbe, commands: number, allWritten: () => void): CqlClient {
  let services = 0;
  let logs = 0;
  const pending = new Map<string, Pending>();
  inFlight.started = performance.now();
  const check = (): void => {
    if (services >= commands && logs >= commands && probe.lastAt === 0) {
      probe.finish();
      allWritten();
    }
  };
  /** Both writes of a sampled command done: its latency from the arrival of its batch. */
  const sample = (id: string, arrival: number | undefined): void => {
    const other = pending.get(id);
    if (other === undefined) pending.set(id, { arrival });
    else {
      pending.delete(id);
      const at = arrival ?? other.arrival;
      if (at !== undefined) probe.add(performance.now() - at);
    }
  };
  return {
    async execute(query: string, params: unknown[], options: CqlQueryOptions) {
      inFlight.enter();
      const result = await client.execute(query, params, options).finally(() => inFlight.leave());
      const kind = kindOf(query);
      if (kind === 'service') {
        services++;
        const id = params[2] as string;
        if (sampled(id)) sample(id, undefined);
        check();
      } else if (kind === 'log') {
        logs++;
        const id = params[1] as string;
        if (sampled(id)) sample(id, arrivals.of(params[9] as number, (params[10] as cassandra.types.Long).toNumber()));
        check();
      }
      return result;
    },
    async batch(queries: CqlBatchEntry[], options: CqlQueryOptions) {
      inFlight.enter();
      return client.batch(queries.map((q) => ({ query: q.query, params: [...q.params] })), options).finally(() => inFlight.leave());
    },
  };
}

export async function runDendrites(config: ChildConfig): Promise<ChildResult> {
  const arrivals = new Arrivals();
  const probe = new LatencyProbe(config.commands);
  const kafka = instrumentedKafka(newKafka(config, 'e2e-dendrites'), arrivals);
  const client = newCassandra(config);
  await client.connect();
  let allWritten!: () => void;
  const written = new Promise<void>((resolve) => (allWritten = resolve));
  const graph = parallelCommandGraph({
    kafka,
    topic: config.topic,
    groupId: config.groupId,
    client: instrumentedClient(client, arrivals, probe, config.commands, allWritten),
    keyspace: config.keyspace,
    domain,
    duplicates: config.contender === 'prevent' ? 'prevent' : 'compensate',
  });
  const handle = graph.run();
  await Promise.race([
    written,
    handle.done.then(() => {
      throw new Error('the command graph completed before every command was written');
    }),
  ]);
  await handle.stop();
  await client.shutdown();
  const ms = probe.lastAt - (arrivals.firstAt ?? probe.lastAt);
  return {
    contender: config.contender,
    commands: config.commands,
    ms: Math.round(ms),
    commandsPerSec: Math.round((config.commands / ms) * 1000),
    ...probe.summary(),
    peakRssMb: peakRssMb(),
    windowCpuMs: probe.windowCpuMs(arrivals.firstCpu),
    note: `${config.contender === 'prevent' ? "duplicates: 'prevent' (an LWT claim per command, QUORUM/SERIAL, before the service write); otherwise " : ''}the sample as shipped: parallelism ${DEFAULT_GRAPH_PARALLELISM} per branch, fetch ${GRAPH_FETCH_DEFAULTS.maxBytesPerPartition / 1024} KiB per partition / ${GRAPH_FETCH_DEFAULTS.maxBytes / 1024} KiB per fetch; ${inFlight.mean()} writes in flight on average`,
  };
}
