// The money-transfer command graph in a child process of the crash bench, so the bench can
// SIGKILL it for real: `node --import tsx bench/crash/child.ts '<ChildConfig JSON>'`, forked
// with an IPC channel. Built from the package's entry points only, like a user's program.
// Every metrics snapshot (every `metricsIntervalMs`) is sent to the parent as a `Progress`
// message; SIGTERM drains, commits and exits 0.
import cassandra from 'cassandra-driver';
import { Kafka, logLevel } from 'kafkajs';
import type { MetricsSnapshot } from 'dendrites';
import { parallelCommandGraph } from 'dendrites/cqrs';
import { domain } from 'dendrites/samples/money-transfer';
import type { ChildConfig, Progress } from './common.js';

const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;

/** The counters the bench reads, from one snapshot: the source is `commands`, the branch sinks `service` and `event-log`. */
function progressOf(m: MetricsSnapshot): Progress {
  const stage = (name: string) => m.stages.find((s) => s.stage === name);
  const source = stage('commands')?.counters ?? {};
  return {
    type: 'progress',
    at: Date.now(),
    records: source.records ?? 0,
    commits: source.commits ?? 0,
    unacknowledged: source.unacknowledged ?? 0,
    waiting: source.waiting ?? 0,
    rebalances: source.rebalances ?? 0,
    service: stage('service')?.out ?? 0,
    log: stage('event-log')?.out ?? 0,
  };
}

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: 'dendrites-crash-bench', brokers: config.brokers, logLevel: logLevel.NOTHING });
  const client = new cassandra.Client({ contactPoints: config.contactPoints, localDataCenter: config.localDc });
  const graph = parallelCommandGraph({
    kafka,
    client,
    domain,
    topic: config.topic,
    groupId: config.groupId,
    keyspace: config.keyspace,
    consumer: {
      commitIntervalMs: config.commitIntervalMs,
      commitEveryN: config.commitEveryN,
      sessionTimeoutMs: config.sessionTimeoutMs,
      // as `dendrites run` sets it
      heartbeatIntervalMs: Math.min(3_000, Math.floor(config.sessionTimeoutMs / 3)),
      ...(config.maxUnacknowledged === undefined ? {} : { maxUnacknowledged: config.maxUnacknowledged }),
    },
    ...(config.parallelism === undefined ? {} : { parallelism: config.parallelism }),
  });
  const handle = graph.run({ metricsIntervalMs: config.metricsIntervalMs });
  const send = process.send?.bind(process);
  const subscription = handle.metrics$.subscribe((m) => send?.(progressOf(m)));
  process.once('SIGTERM', () => void handle.stop({ timeoutMs: 30_000 }));
  try {
    await handle.done;
  } finally {
    subscription.unsubscribe();
    await client.shutdown();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`crash bench child: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
