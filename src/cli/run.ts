/**
 * `dendrites run --topic T --group G --keyspace K [--wiring parallel|series] [...]`: runs the
 * money-transfer command graph until SIGTERM or SIGINT (then it drains, commits and exits 0).
 * With an IPC channel (the demo forks it) it reports progress messages `{ service, log }`:
 * how many deliveries each branch has written.
 */
import type { RunnableGraph } from '../core/dsl.js';
import type { MetricsSnapshot } from '../core/metrics.js';
import { moneyTransferDomain } from '../domain/command-domain.js';
import { type CommandGraphOptions, DEFAULT_GRAPH_PARALLELISM, parallelCommandGraph, seriesCommandGraph } from '../graphs/command-graph.js';
import type { MoneyCommand } from '../domain/money-transfer.js';
import type { CqlClient } from '../internal/cassandra/client.js';
import type { Kafka } from 'kafkajs';
import { int, oneOf, parse, required } from './args.js';
import { cliCassandra, cliKafka } from './connect.js';

export const RUN_USAGE = `usage: dendrites run --topic T --group G --keyspace K [--wiring parallel|series] [--parallelism N] [--commit-interval-ms MS]
  Runs the money-transfer command graph on topic T until SIGTERM/SIGINT.`;

export const WIRINGS = ['parallel', 'series'] as const;
export type Wiring = (typeof WIRINGS)[number];

/** The command graph of a wiring. */
export function moneyGraph(wiring: Wiring, options: CommandGraphOptions<MoneyCommand>): RunnableGraph<unknown> {
  return wiring === 'parallel' ? parallelCommandGraph(options) : seriesCommandGraph(options);
}

/** Deliveries each branch has written, from a metrics snapshot (the sinks' `out`). */
export function branchCounts(m: MetricsSnapshot): { service: number; log: number } {
  const out = (name: string): number => m.stages.find((s) => s.stage === name)?.out ?? 0;
  return { service: out('service'), log: out('event-log') };
}

export function runOptions(kafka: Kafka, client: CqlClient, v: Record<string, unknown>): CommandGraphOptions<MoneyCommand> {
  return {
    kafka,
    client,
    topic: required(v, 'topic'),
    groupId: required(v, 'group'),
    keyspace: required(v, 'keyspace'),
    domain: moneyTransferDomain(),
    parallelism: int(v, 'parallelism', DEFAULT_GRAPH_PARALLELISM),
    consumer: {
      commitIntervalMs: int(v, 'commit-interval-ms', 1_000),
      commitEveryN: int(v, 'commit-every-n', 1_000),
      sessionTimeout: int(v, 'session-timeout-ms', 30_000),
      heartbeatInterval: Math.min(3_000, Math.floor(int(v, 'session-timeout-ms', 30_000) / 3)),
    },
  };
}

export async function runCommand(argv: readonly string[]): Promise<number> {
  const v = parse(argv, {
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
  const kafka = cliKafka('dendrites-run');
  const client = cliCassandra();
  const graph = moneyGraph(wiring, runOptions(kafka, client, v));
  await client.connect();
  const handle = graph.run({ metricsIntervalMs: 100 });
  const ipc = process.send?.bind(process);
  const subscription = handle.metrics$.subscribe((m) => ipc?.({ type: 'progress', ...branchCounts(m) }));
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
