// The 3-node topology of `npm run services -- up --nodes 3`: its nodes, its connection settings,
// and the record in the state dir that lets `status`, `logs` and `down` find it without the flag.
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_CASSANDRA_LOCAL_DC, STATE_DIR, type ConnectionSettings } from './config.js';
import { CASSANDRA, clusterNode, KAFKA, type JvmService } from './jvm.js';
import { ServicesError } from './proc.js';

/** Node counts the launcher can start: the single node (the default) or a 3-node cluster. */
export const NODE_COUNTS = [1, 3] as const;
export type NodeCount = (typeof NODE_COUNTS)[number];

/** The cluster's Kafka brokers and Cassandra nodes (node N binds 127.0.0.N). */
export interface ClusterNodes {
  readonly kafka: readonly JvmService[];
  readonly cassandra: readonly JvmService[];
}

/** Where `up --nodes N` records N, so the other actions act on the same servers. */
export const TOPOLOGY_FILE = path.join(STATE_DIR, 'topology.json');

/** Parses a `--nodes` value: 1 or 3, otherwise a ServicesError naming what is allowed. */
export function nodeCount(raw: string | undefined): NodeCount {
  if (raw === undefined) return 1;
  const n = Number(raw);
  const allowed = NODE_COUNTS.find((c) => c === n && /^\d+$/.test(raw));
  if (allowed === undefined) throw new ServicesError(`--nodes must be ${NODE_COUNTS.join(' or ')}, got "${raw}"`);
  return allowed;
}

/** The nodes of a cluster of `size` (for 1: the single-node KAFKA and CASSANDRA). */
export function clusterNodes(size: NodeCount): ClusterNodes {
  if (size === 1) return { kafka: [KAFKA], cassandra: [CASSANDRA] };
  const indexes = Array.from({ length: size }, (_, i) => i + 1);
  return {
    kafka: indexes.map((i) => clusterNode('kafka', i, size)),
    cassandra: indexes.map((i) => clusterNode('cassandra', i, size)),
  };
}

/** Every node the launcher may have started, single and cluster (what `down` looks for). */
export function allNodes(): JvmService[] {
  const cluster = clusterNodes(3);
  return [KAFKA, CASSANDRA, ...cluster.kafka, ...cluster.cassandra];
}

/** `host:port` of a node's client port. */
export function endpointOf(svc: JvmService): string {
  return `${svc.host}:${svc.port}`;
}

/** The settings that reach a cluster of `size` (what `up` prints for KAFKA_BROKERS and CASSANDRA_CONTACT_POINTS). */
export function clusterSettings(size: NodeCount): ConnectionSettings {
  const nodes = clusterNodes(size);
  return {
    kafkaBrokers: nodes.kafka.map(endpointOf),
    cassandraContactPoints: nodes.cassandra.map(endpointOf),
    cassandraLocalDc: DEFAULT_CASSANDRA_LOCAL_DC,
  };
}

/** The topology `up` last recorded (1 when none is recorded). */
export function recordedNodeCount(): NodeCount {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(TOPOLOGY_FILE, 'utf8'));
    const nodes = typeof parsed === 'object' && parsed !== null && 'nodes' in parsed ? parsed.nodes : undefined;
    return nodes === 3 ? 3 : 1;
  } catch {
    return 1;
  }
}

/** Records the topology `up` starts, with its connection settings for a person to read. */
export function recordNodeCount(size: NodeCount): void {
  fs.mkdirSync(STATE_DIR, { recursive: true });
  const s = clusterSettings(size);
  fs.writeFileSync(TOPOLOGY_FILE, `${JSON.stringify({ nodes: size, kafkaBrokers: s.kafkaBrokers, cassandraContactPoints: s.cassandraContactPoints, recordedAt: new Date().toISOString() }, null, 2)}\n`);
}

/** Forgets the recorded topology (after `down`). */
export function forgetNodeCount(): void {
  fs.rmSync(TOPOLOGY_FILE, { force: true });
}
