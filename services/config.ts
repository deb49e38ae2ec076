// Paths, ports and connection settings shared by the services modules.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVICES_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(SERVICES_DIR, '..');
/** Git-ignored state: downloaded jars, data, logs and pid files. */
export const STATE_DIR = path.join(REPO_ROOT, '.services');

export interface ConnectionSettings {
  kafkaBrokers: string[];
  cassandraContactPoints: string[];
  cassandraLocalDc: string;
}

export const DEFAULT_KAFKA_BROKERS = '127.0.0.1:9092';
export const DEFAULT_CASSANDRA_CONTACT_POINTS = '127.0.0.1:9042';
export const DEFAULT_CASSANDRA_LOCAL_DC = 'datacenter1';

function list(value: string | undefined, fallback: string): string[] {
  const items = (value ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  return items.length > 0 ? items : fallback.split(',');
}

/** Connection settings from KAFKA_BROKERS, CASSANDRA_CONTACT_POINTS, CASSANDRA_LOCAL_DC. */
export function connectionSettings(env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  return {
    kafkaBrokers: list(env.KAFKA_BROKERS, DEFAULT_KAFKA_BROKERS),
    cassandraContactPoints: list(env.CASSANDRA_CONTACT_POINTS, DEFAULT_CASSANDRA_CONTACT_POINTS),
    cassandraLocalDc: env.CASSANDRA_LOCAL_DC?.trim() || DEFAULT_CASSANDRA_LOCAL_DC,
  };
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function hostPort(endpoint: string, defaultPort: number): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(endpoint);
  if (!m) return { host: endpoint, port: defaultPort };
  return { host: m[1], port: m[2] ? Number(m[2]) : defaultPort };
}

/** True when the endpoints are exactly the local default we can start ourselves. */
export function isManagedLocal(endpoints: string[], defaultPort: number): boolean {
  return (
    endpoints.length === 1 &&
    LOCAL_HOSTS.has(hostPort(endpoints[0], defaultPort).host) &&
    hostPort(endpoints[0], defaultPort).port === defaultPort
  );
}

/** Consistency levels CASSANDRA_CONSISTENCY may name (cassandra-driver's `types.consistencies` keys). */
export const CASSANDRA_CONSISTENCIES = ['one', 'two', 'three', 'quorum', 'all', 'localQuorum', 'eachQuorum', 'localOne'] as const;
export type CassandraConsistencyName = (typeof CASSANDRA_CONSISTENCIES)[number];

/**
 * The default consistency level of the CLI's Cassandra client, from CASSANDRA_CONSISTENCY
 * (`QUORUM`, `local_quorum`, `localQuorum`... any case, `_` optional); undefined when unset
 * (the driver's default, LOCAL_ONE: right for the single node). On a cluster with replication
 * factor 3, QUORUM writes and reads keep every acknowledged write through one node down.
 * Throws on a name that is not a level.
 */
export function cassandraConsistency(env: NodeJS.ProcessEnv = process.env): CassandraConsistencyName | undefined {
  const raw = env.CASSANDRA_CONSISTENCY?.trim();
  if (raw === undefined || raw === '') return undefined;
  const wanted = raw.replaceAll('_', '').toLowerCase();
  const name = CASSANDRA_CONSISTENCIES.find((c) => c.toLowerCase() === wanted);
  if (name === undefined) throw new Error(`CASSANDRA_CONSISTENCY must be one of ${CASSANDRA_CONSISTENCIES.join(', ')} (any case, _ allowed), got "${raw}"`);
  return name;
}
