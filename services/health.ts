// Health checks: Kafka answers a metadata request, Cassandra answers CQL.
import cassandra from 'cassandra-driver';
import { Kafka, logLevel } from 'kafkajs';
import { errorMessage, sleep, ServicesError } from './proc.js';

export type Probe = () => Promise<string>;

/**
 * Resolves with a short description ("1 broker(s)") or rejects; with `expectedBrokers`, rejects
 * until that many brokers are in the metadata (a cluster with a broker down is not healthy).
 */
export async function probeKafka(brokers: string[], expectedBrokers = 1): Promise<string> {
  // NOTHING rather than ERROR: polling a broker that is still starting logs a
  // connection error per attempt otherwise.
  const kafka = new Kafka({
    clientId: 'dendrites-services-health',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('no brokers in metadata');
    if (cluster.brokers.length < expectedBrokers) throw new Error(`${cluster.brokers.length} of ${expectedBrokers} brokers in metadata`);
    // A group coordinator lookup: creates __consumer_offsets on a fresh broker, so that
    // "healthy" also means consumer groups can join right away.
    await admin.describeGroups(['dendrites-services-health']);
    return `${cluster.brokers.length} broker(s), cluster ${cluster.clusterId}`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Resolves with the Cassandra release version or rejects. */
export async function probeCassandra(contactPoints: string[], localDataCenter: string): Promise<string> {
  const client = new cassandra.Client({
    contactPoints,
    localDataCenter,
    socketOptions: { connectTimeout: 2000, readTimeout: 5000 },
  });
  try {
    await client.connect();
    const rs = await client.execute('SELECT release_version FROM system.local');
    const version: unknown = rs.first()?.get('release_version');
    if (typeof version !== 'string') throw new Error('no release_version in system.local');
    return `Cassandra ${version}`;
  } finally {
    await client.shutdown().catch(() => undefined);
  }
}

/**
 * One Cassandra node of a cluster, asked on its own CQL address only (the driver's other hosts
 * are filtered out): resolves with its version and peers once `system.peers` lists at least
 * `expectedPeers` other nodes, rejects otherwise. Needs no nodetool (nor JMX).
 */
export async function probeCassandraNode(endpoint: string, localDataCenter: string, expectedPeers: number): Promise<string> {
  const { loadBalancing } = cassandra.policies;
  const client = new cassandra.Client({
    contactPoints: [endpoint],
    localDataCenter,
    policies: { loadBalancing: new loadBalancing.AllowListPolicy(new loadBalancing.DCAwareRoundRobinPolicy(localDataCenter), [endpoint]) },
    socketOptions: { connectTimeout: 2000, readTimeout: 5000 },
  });
  try {
    await client.connect();
    const local = await client.execute('SELECT release_version, data_center FROM system.local');
    const version: unknown = local.first()?.get('release_version');
    const dc: unknown = local.first()?.get('data_center');
    if (typeof version !== 'string') throw new Error('no release_version in system.local');
    if (dc !== localDataCenter) throw new Error(`in data center ${String(dc)}, not ${localDataCenter}`);
    const peers = (await client.execute('SELECT peer FROM system.peers')).rows.length;
    if (peers < expectedPeers) throw new Error(`${peers} of ${expectedPeers} peers in system.peers`);
    return `Cassandra ${version}, ${peers} peers`;
  } finally {
    await client.shutdown().catch(() => undefined);
  }
}

/** The longest one probe attempt may take (its client's own timeouts are shorter; this is the backstop). */
const PROBE_TIMEOUT_MS = 30_000;

/** `p`, or a rejection naming `what` once `ms` have passed. */
function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  p.catch(() => undefined); // a late rejection after the timeout is not unhandled
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `probe` until it succeeds; `abort` may explain why waiting is pointless (e.g. JVM died). */
export async function waitHealthy(
  name: string,
  probe: Probe,
  timeoutMs: number,
  abort: () => string | undefined = () => undefined,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = 'not tried';
  for (;;) {
    try {
      // Each attempt bounded too: a probe whose client waits on a half-dead node must not stall the loop past its deadline.
      return await bounded(probe(), Math.min(PROBE_TIMEOUT_MS, Math.max(1_000, deadline - Date.now())), `${name} probe`);
    } catch (err: unknown) {
      last = errorMessage(err).split('\n')[0];
    }
    const reason = abort();
    if (reason) throw new ServicesError(`${name} did not become healthy: ${reason}`);
    if (Date.now() > deadline) {
      throw new ServicesError(`${name} did not become healthy within ${timeoutMs / 1000}s (last error: ${last})`);
    }
    await sleep(1000);
  }
}

export async function isHealthy(probe: Probe): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch {
    return false;
  }
}
