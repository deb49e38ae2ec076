/**
 * `dendrites run --domain D --topic T --group G --keyspace K [--wiring parallel|series] [...]`:
 * runs the command graph of a domain until SIGTERM or SIGINT (then it drains, commits and
 * exits 0). With an IPC channel (the demo forks it) it reports progress messages
 * `{ service, log }`: how many deliveries each branch has written.
 */
import type { Kafka } from 'kafkajs';
import { type MetricsSnapshot, type RunnableGraph } from 'dendrites';
import { type CqlClient } from 'dendrites/cassandra';
import { type CommandDomain, type CommandGraphOptions, DEFAULT_GRAPH_PARALLELISM, parallelCommandGraph, seriesCommandGraph } from 'dendrites/cqrs';
import { int, oneOf, parse, required } from './args.js';
import { cliCassandra, cliKafka } from './connect.js';
import { DOMAIN_HELP, loadDomain } from './domains.js';
import { keyspaceOption } from './options.js';

export const RUN_USAGE = `usage: dendrites run --domain D --topic T --group G --keyspace K [--wiring parallel|series] [--parallelism N] [--commit-interval-ms MS]
  Runs the command graph of domain D on topic T until SIGTERM/SIGINT.
  ${DOMAIN_HELP}`;

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
  if (kafka && writes > 0) return `waiting for Kafka, and for Cassandra (${writes} writes waiting to retry)`;
  if (kafka) return 'waiting for Kafka';
  if (writes > 0) return `waiting for Cassandra (${writes} writes waiting to retry)`;
  return 'running';
}

/** Deliveries each branch has written, from a metrics snapshot (the sinks' `out`). */
export function branchCounts(m: MetricsSnapshot): { service: number; log: number } {
  const out = (name: string): number => m.stages.find((s) => s.stage === name)?.out ?? 0;
  return { service: out('service'), log: out('event-log') };
}

function runOptions(kafka: Kafka, client: CqlClient, domain: CommandDomain<unknown, unknown>, v: Record<string, unknown>): CommandGraphOptions<unknown, unknown> {
  const sessionTimeoutMs = int(v, 'session-timeout-ms', 30_000);
  return {
    kafka,
    client,
    domain,
    topic: required(v, 'topic'),
    groupId: required(v, 'group'),
    keyspace: keyspaceOption(v),
    parallelism: int(v, 'parallelism', DEFAULT_GRAPH_PARALLELISM),
    consumer: {
      commitIntervalMs: int(v, 'commit-interval-ms', 1_000),
      commitEveryN: int(v, 'commit-every-n', 1_000),
      sessionTimeout: sessionTimeoutMs,
      heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeoutMs / 3)),
    },
  };
}

export async function runCommand(argv: readonly string[]): Promise<number> {
  const v = parse(argv, {
    domain: { type: 'string' },
    topic: { type: 'string' },
    group: { type: 'string' },
    keyspace: { type: 'string' },
    wiring: { type: 'string' },
    parallelism: { type: 'string' },
    'commit-interval-ms': { type: 'string' },
    'commit-every-n': { type: 'string' },
    'session-timeout-ms': { type: 'string' },
  });
  const wiring = oneOf(v, 'wiring', WIRINGS, 'parallel');
  const { domain } = await loadDomain(required(v, 'domain'));
  const kafka = cliKafka('dendrites-run');
  const client = cliCassandra();
  const graph = commandGraph(wiring, runOptions(kafka, client, domain, v));
  // No client.connect() here: the graph's writes connect, and wait for a Cassandra that is down.
  const handle = graph.run({ metricsIntervalMs: 100 });
  const ipc = process.send?.bind(process);
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
