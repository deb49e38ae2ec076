/**
 * `dendrites run --domain D --topic T --group G --keyspace K [--wiring parallel|series] [...]`:
 * runs the command graph of a domain until SIGTERM or SIGINT (then it drains, commits and
 * exits 0). With an IPC channel (the demo forks it) it reports progress messages
 * `{ service, log }`: how many deliveries each branch has written.
 */
import type { Kafka } from 'kafkajs';
import { type MetricsSnapshot, type RunnableGraph } from 'dendrites';
import { type CqlClient } from 'dendrites/cassandra';
import { type CommandDomain, type CommandGraphOptions, DEFAULT_GRAPH_PARALLELISM, type DuplicatesMode, parallelCommandGraph, seriesCommandGraph } from 'dendrites/cqrs';
import { connectionSettings } from '../../services/config.js';
import { parse } from './args.js';
import { cliCassandra, cliKafka } from './connect.js';
import { DOMAIN_HELP, domainSpec, loadDomain } from './domains.js';
import { duplicatesOption, keyspaceOption, topicOption } from './options.js';

export const RUN_USAGE = `usage: dendrites run --domain D --topic T --group G --keyspace K [--wiring parallel|series] [--parallelism N]
                     [--duplicates compensate|prevent] [--commit-interval-ms MS] [--commit-every-n N] [--session-timeout-ms MS]
  Runs the command graph of domain D on topic T until SIGTERM/SIGINT (then it drains, commits and exits 0).
  --duplicates prevent: a redelivered command never takes effect twice (a lightweight transaction per command;
  docs/cqrs.md); compensate (the default): duplicates are repaired later by \`dendrites compensate\`.
  A Kafka or Cassandra that is down is waited for (stderr says so), not a failure.
  ${DOMAIN_HELP}
  Avro values: a domain's decode { avro, framing: 'confluent', schemas: { [id]: writerSchema } } reads magic byte 0 and a
  4-byte schema id, with the writer schemas given locally (no registry is called); docs/avro.md shows the decoded shapes.
  Kafka: KAFKA_BROKERS (default 127.0.0.1:9092). Cassandra: CASSANDRA_CONTACT_POINTS, CASSANDRA_LOCAL_DC (default 127.0.0.1:9042, datacenter1).`;

export const WIRINGS = ['parallel', 'series'] as const;
export type Wiring = (typeof WIRINGS)[number];

/** The command graph of a wiring. */
export function commandGraph<C, S>(wiring: Wiring, options: CommandGraphOptions<C, S>): RunnableGraph<unknown> {
  return wiring === 'parallel' ? parallelCommandGraph(options) : seriesCommandGraph(options);
}

/**
 * What the run is doing, from a metrics snapshot: `running`, or what it waits for (the source's
 * and the sinks' `waiting` gauges: a broker or Cassandra that does not answer).
 */
export function healthOf(m: MetricsSnapshot): string {
  const waiting = (name: string): number => m.stages.find((s) => s.stage === name)?.counters.waiting ?? 0;
  const kafka = waiting('commands') > 0;
  const writes = waiting('service') + waiting('event-log');
  const retrying = `${writes} ${writes === 1 ? 'write' : 'writes'} waiting to retry`;
  if (kafka && writes > 0) return `waiting for Kafka, and for Cassandra (${retrying})`;
  if (kafka) return 'waiting for Kafka';
  if (writes > 0) return `waiting for Cassandra (${retrying})`;
  return 'running';
}

/** Deliveries each branch has written, from a metrics snapshot (the sinks' `out`). */
export function branchCounts(m: MetricsSnapshot): { service: number; log: number } {
  const out = (name: string): number => m.stages.find((s) => s.stage === name)?.out ?? 0;
  return { service: out('service'), log: out('event-log') };
}

/** The command line of `dendrites run`, checked (every problem at once) before anything is loaded or connected. */
export interface RunArgs {
  readonly spec: string;
  readonly wiring: Wiring;
  readonly topic: string;
  readonly groupId: string;
  readonly keyspace: string;
  readonly parallelism: number;
  readonly duplicates: DuplicatesMode;
  readonly commitIntervalMs: number;
  readonly commitEveryN: number;
  readonly sessionTimeoutMs: number;
}

export function runArgs(argv: readonly string[]): RunArgs {
  const a = parse(argv, {
    domain: { type: 'string' },
    topic: { type: 'string' },
    group: { type: 'string' },
    keyspace: { type: 'string' },
    wiring: { type: 'string' },
    parallelism: { type: 'string' },
    duplicates: { type: 'string' },
    'commit-interval-ms': { type: 'string' },
    'commit-every-n': { type: 'string' },
    'session-timeout-ms': { type: 'string' },
  });
  const spec = a.required('domain');
  if (spec !== '') a.check(() => domainSpec(spec), spec);
  const args: RunArgs = {
    spec,
    topic: topicOption(a),
    groupId: a.required('group'),
    keyspace: keyspaceOption(a),
    wiring: a.oneOf('wiring', WIRINGS, 'parallel'),
    parallelism: a.int('parallelism', DEFAULT_GRAPH_PARALLELISM, 1, 10_000),
    duplicates: duplicatesOption(a),
    commitIntervalMs: a.int('commit-interval-ms', 200),
    commitEveryN: a.int('commit-every-n', 1_000),
    // The broker's group.min/max.session.timeout.ms (6 s and 30 min by default) bound what it accepts.
    sessionTimeoutMs: a.int('session-timeout-ms', 10_000, 1_000, 3_600_000),
  };
  a.done();
  return args;
}

function runOptions(kafka: Kafka, client: CqlClient, domain: CommandDomain<unknown, unknown>, r: RunArgs): CommandGraphOptions<unknown, unknown> {
  return {
    kafka,
    client,
    domain,
    topic: r.topic,
    groupId: r.groupId,
    keyspace: r.keyspace,
    parallelism: r.parallelism,
    duplicates: r.duplicates,
    consumer: {
      commitIntervalMs: r.commitIntervalMs,
      commitEveryN: r.commitEveryN,
      sessionTimeoutMs: r.sessionTimeoutMs,
      heartbeatIntervalMs: Math.min(3_000, Math.floor(r.sessionTimeoutMs / 3)),
    },
  };
}

export async function runCommand(argv: readonly string[]): Promise<number> {
  const r = runArgs(argv);
  const { domain } = await loadDomain(r.spec);
  const kafka = cliKafka('dendrites-run');
  const client = cliCassandra();
  // Built before anything connects: bad options are a ConfigError (exit code 2) here.
  const graph = commandGraph(r.wiring, runOptions(kafka, client, domain, r));
  const ipc = process.send?.bind(process);
  if (ipc === undefined) {
    const s = connectionSettings();
    console.error(`dendrites run: ${domain.name} commands from ${r.topic} (group ${r.groupId}, Kafka at ${s.kafkaBrokers.join(',')}) into keyspace ${r.keyspace} (Cassandra at ${s.cassandraContactPoints.join(',')}); SIGTERM or Ctrl-C drains and stops`);
  }
  // No client.connect() here: the graph's writes connect, and wait for a Cassandra that is down.
  const handle = graph.run({ metricsIntervalMs: 100 });
  let health = 'running';
  const subscription = handle.metrics$.subscribe((m) => {
    const now = healthOf(m);
    if (now !== health) console.error(`dendrites run: ${now} (${new Date().toISOString()})`);
    health = now;
    ipc?.({ type: 'progress', ...branchCounts(m), health });
  });
  const stop = (): void => void handle.stop({ timeoutMs: 30_000 });
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  ipc?.({ type: 'started' });
  try {
    await handle.done;
    return 0;
  } finally {
    subscription.unsubscribe();
    await client.shutdown();
  }
}
