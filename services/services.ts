// In-process API of the local services launcher (used by the CLI, test setup, demo and bench).
import fs from 'node:fs';
import path from 'node:path';
import { connectionSettings, hostPort, isManagedLocal, STATE_DIR, type ConnectionSettings } from './config.js';
import { allNodes, clusterNodes, clusterSettings, endpointOf, forgetNodeCount, type NodeCount, recordedNodeCount, recordNodeCount } from './cluster.js';
import { CLUSTER_PROFILE, composeDown, composeLogs, composePs, composeUp, dockerEngineAnswers } from './docker.js';
import { isHealthy, probeCassandra, probeCassandraNode, probeKafka, waitHealthy, type Probe } from './health.js';
import { CASSANDRA, checkJava, JVM_SERVICES, KAFKA, logTail, runningPid, secs, startJvm, stopJvm, type JvmService } from './jvm.js';
import { withLock } from './lock.js';
import { errorMessage, isAlive, portOpen, ServicesError } from './proc.js';

export { clusterSettings, connectionSettings, recordedNodeCount, ServicesError, type ConnectionSettings, type NodeCount };

export interface UpOptions {
  /** How long to wait for each server to become healthy (default SERVICES_UP_TIMEOUT_MS or 240 s). */
  timeoutMs?: number;
  log?: (msg: string) => void;
  /**
   * 1 (the default): one Kafka and one Cassandra on 127.0.0.1, or the servers the env vars name.
   * 3: a 3-broker Kafka and a 3-node Cassandra on 127.0.0.1-3 (`clusterUp`); the env vars are not read.
   */
  nodes?: NodeCount;
}

interface Target {
  svc: JvmService;
  endpoints: string[];
  managed: boolean;
  probe: Probe;
}

function targets(s: ConnectionSettings): Target[] {
  const [kafka, cassandra] = JVM_SERVICES;
  return [
    { svc: kafka, endpoints: s.kafkaBrokers, managed: isManagedLocal(s.kafkaBrokers, kafka.port), probe: () => probeKafka(s.kafkaBrokers) },
    {
      svc: cassandra,
      endpoints: s.cassandraContactPoints,
      managed: isManagedLocal(s.cassandraContactPoints, cassandra.port),
      probe: () => probeCassandra(s.cassandraContactPoints, s.cassandraLocalDc),
    },
  ];
}

/** Starts (or reuses) Kafka and Cassandra and waits until both answer. */
export async function servicesUp(opts: UpOptions = {}): Promise<ConnectionSettings> {
  const log = opts.log ?? ((msg: string) => console.log(msg));
  const timeoutMs = opts.timeoutMs ?? (Number(process.env.SERVICES_UP_TIMEOUT_MS) || 240_000);
  if (opts.nodes === 3) return clusterUp(timeoutMs, log);
  const settings = connectionSettings();
  const all = targets(settings);
  const toStart: Target[] = [];
  const reused: Target[] = [];
  for (const t of all) {
    const where = t.endpoints.join(',');
    if (!t.managed) {
      log(`${t.svc.name}: external at ${where}; not starting anything, waiting for health`);
    } else if (await isHealthy(t.probe)) {
      const pid = runningPid(t.svc);
      log(`${t.svc.name}: already healthy at ${where}${pid ? ` (our JVM, pid ${pid})` : ' (not started by this launcher)'}, reusing`);
      reused.push(t);
    } else {
      toStart.push(t);
    }
  }
  if (toStart.length > 0) {
    await withLock(path.join(STATE_DIR, 'up.lock'), timeoutMs, () => startAll(toStart, timeoutMs, log));
  }
  await Promise.all(
    all.filter((t) => !reused.includes(t)).map(async (t) => {
      const started = Date.now();
      const what = await waitHealthy(t.svc.name, t.probe, timeoutMs);
      if (!toStart.includes(t)) log(`${t.svc.name}: healthy (${what}) after ${secs(started)}`);
    }),
  );
  return settings;
}

async function startAll(list: Target[], timeoutMs: number, log: (msg: string) => void): Promise<void> {
  if (dockerEngineAnswers()) {
    const started = Date.now();
    log(`docker engine answers: docker compose up -d --wait ${list.map((t) => t.svc.kind).join(' ')}`);
    composeUp(list.map((t) => t.svc.kind));
    log(`docker compose up took ${secs(started)}`);
    return;
  }
  checkJava();
  // Cassandra first: it takes longest to boot, so Kafka's (synchronous) preparation overlaps it.
  const ordered = [...list].sort((a, b) => (a.svc.kind === 'cassandra' ? -1 : b.svc.kind === 'cassandra' ? 1 : 0));
  const results = await Promise.allSettled(ordered.map((t) => startOne(t, timeoutMs, log)));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [errorMessage(r.reason)] : []));
  if (failures.length > 0) throw new ServicesError(failures.join('\n\n'));
}

async function startOne(t: Target, timeoutMs: number, log: (msg: string) => void): Promise<void> {
  const { svc } = t;
  const started = Date.now();
  // Another `up` may have started it while we waited for the lock.
  let pid = runningPid(svc);
  if (pid !== undefined) {
    log(`${svc.name}: our JVM (pid ${pid}) is running but not healthy yet, waiting`);
  } else {
    for (const port of [svc.port, ...svc.otherPorts]) {
      if (await portOpen('127.0.0.1', port)) {
        throw new ServicesError(
          `${svc.name}: port 127.0.0.1:${port} is taken by something else (not our ${svc.name}, and it does not answer as ${svc.name}). ` +
            `Stop it, or point ${svc.kind === 'kafka' ? 'KAFKA_BROKERS' : 'CASSANDRA_CONTACT_POINTS'} at a running server.`,
        );
      }
    }
    pid = startJvm(svc, log);
    log(`${svc.name}: started JVM pid ${pid}, logs in ${path.relative(process.cwd(), svc.logsDir) || svc.logsDir}`);
  }
  const jvm = pid;
  try {
    const what = await waitHealthy(svc.name, t.probe, timeoutMs, () =>
      isAlive(jvm) ? undefined : `its JVM (pid ${jvm}) exited`,
    );
    log(`${svc.name}: healthy (${what}) after ${secs(started)}`);
  } catch (err: unknown) {
    throw new ServicesError(`${errorMessage(err)}\n${logTail(svc, 40)}`);
  }
}

/**
 * Stops our JVMs (and the compose project, cluster profile included, when a Docker engine
 * answers): the nodes of the recorded topology, and any other node of ours still running, so a
 * cluster started with `--nodes 3` stops without the flag. Then forgets the topology.
 */
export async function servicesDown(opts: { log?: (msg: string) => void } = {}): Promise<void> {
  const log = opts.log ?? ((msg: string) => console.log(msg));
  const recorded = recordedJvms();
  const strays = allNodes().filter((svc) => !recorded.includes(svc.name) && runningPid(svc) !== undefined);
  const byName = new Map(allNodes().map((svc) => [svc.name, svc]));
  const toStop = [...recorded.flatMap((name) => byName.get(name) ?? []), ...strays];
  await Promise.all(toStop.map((svc) => stopJvm(svc, log)));
  forgetNodeCount();
  if (dockerEngineAnswers()) {
    log(`docker engine answers: docker compose --profile ${CLUSTER_PROFILE} down`);
    composeDown();
  }
}

/** Names of the JVMs of the recorded topology: kafka and cassandra, or the six cluster nodes. */
function recordedJvms(): string[] {
  if (recordedNodeCount() === 1) return JVM_SERVICES.map((svc) => svc.name);
  const nodes = clusterNodes(3);
  return [...nodes.cassandra, ...nodes.kafka].map((svc) => svc.name);
}

export interface ServiceStatus {
  name: string;
  endpoints: string[];
  mode: 'local-jvm' | 'external';
  pid?: number;
  portOpen: boolean;
  healthy: boolean;
  detail: string;
}

/** What runs where: pid, port, health (every node of a recorded 3-node cluster). */
export async function servicesStatus(): Promise<ServiceStatus[]> {
  if (recordedNodeCount() === 3) return clusterStatus();
  return Promise.all(
    targets(connectionSettings()).map(async (t): Promise<ServiceStatus> => {
      const { host, port } = hostPort(t.endpoints[0], t.svc.port);
      let detail = '';
      const healthy = await t.probe().then(
        (d) => ((detail = d), true),
        (err: unknown) => ((detail = errorMessage(err).split('\n')[0]), false),
      );
      return {
        name: t.svc.name,
        endpoints: t.endpoints,
        mode: t.managed ? 'local-jvm' : 'external',
        pid: t.managed ? runningPid(t.svc) : undefined,
        portOpen: await portOpen(host, port),
        healthy,
        detail,
      };
    }),
  );
}

export function dockerStatus(): string | undefined {
  return dockerEngineAnswers() ? composePs() : undefined;
}

/** The tail of both servers' logs (of every node, for a recorded 3-node cluster). */
export function servicesLogs(lines = 50): string {
  const nodes = clusterNodes(recordedNodeCount());
  const parts = [...nodes.kafka, ...nodes.cassandra].filter((svc) => fs.existsSync(svc.logsDir)).map((svc) => logTail(svc, lines));
  if (dockerEngineAnswers()) parts.push(composeLogs(lines));
  return parts.length > 0 ? parts.join('\n\n') : 'no logs yet (services never started here)';
}

// ---- the 3-node cluster (`up --nodes 3`) ----

/** The probe of one cluster node: a broker sees all brokers; a Cassandra node answers CQL and lists `peers` peers. */
function nodeProbe(svc: JvmService, peers: number): Probe {
  const s = clusterSettings(3);
  return svc.kind === 'kafka'
    ? () => probeKafka([endpointOf(svc)], s.kafkaBrokers.length)
    : () => probeCassandraNode(endpointOf(svc), s.cassandraLocalDc, peers);
}

/** Fails when one of the node's ports on its own address answers but the node is not ours. */
async function checkPortsFree(svc: JvmService): Promise<void> {
  for (const port of [svc.port, ...svc.otherPorts]) {
    if (await portOpen(svc.host, port)) {
      throw new ServicesError(`${svc.name}: port ${svc.host}:${port} is taken by something else (not our ${svc.name}). Stop it first (\`npm run services -- down\` stops ours).`);
    }
  }
}

/** Starts a node unless its JVM runs; returns the pid. */
async function ensureStarted(svc: JvmService, log: (msg: string) => void): Promise<number> {
  const running = runningPid(svc);
  if (running !== undefined) {
    log(`${svc.name}: our JVM (pid ${running}) is running, waiting for health`);
    return running;
  }
  await checkPortsFree(svc);
  const pid = startJvm(svc, log);
  log(`${svc.name}: started JVM pid ${pid} on ${svc.host}, logs in ${path.relative(process.cwd(), svc.logsDir) || svc.logsDir}`);
  return pid;
}

/** Waits for `probe`, failing early (with the log tails) when one of `jvms` exits. */
async function waitNodes(what: string, probe: Probe, jvms: ReadonlyMap<JvmService, number>, timeoutMs: number): Promise<string> {
  const dead = (): string | undefined => {
    for (const [svc, pid] of jvms) if (!isAlive(pid)) return `the JVM of ${svc.name} (pid ${pid}) exited`;
    return undefined;
  };
  try {
    return await waitHealthy(what, probe, timeoutMs, dead);
  } catch (err: unknown) {
    throw new ServicesError(`${errorMessage(err)}\n${[...jvms.keys()].map((svc) => logTail(svc, 30)).join('\n')}`);
  }
}

/**
 * `up --nodes 3`: three Cassandra nodes one after another (each waits until it answers CQL on its
 * address and lists the nodes before it in system.peers), then three brokers together (a KRaft
 * quorum needs two of the three controllers), healthy once each broker's metadata lists all three.
 */
async function clusterUp(timeoutMs: number, log: (msg: string) => void): Promise<ConnectionSettings> {
  const settings = clusterSettings(3);
  const single = [KAFKA, CASSANDRA].filter((svc) => runningPid(svc) !== undefined).map((svc) => svc.name);
  if (single.length > 0) {
    throw new ServicesError(`the single-node ${single.join(' and ')} of \`npm run services -- up\` use 127.0.0.1's ports: \`npm run services -- down\` first`);
  }
  recordNodeCount(3);
  const nodes = clusterNodes(3);
  if (dockerEngineAnswers()) {
    const names = [...nodes.cassandra, ...nodes.kafka].map((svc) => svc.name);
    log(`docker engine answers: docker compose --profile ${CLUSTER_PROFILE} up -d --wait ${names.join(' ')}`);
    composeUp(names, CLUSTER_PROFILE);
  } else {
    checkJava();
    await withLock(path.join(STATE_DIR, 'up.lock'), timeoutMs, () => startCluster(timeoutMs, log));
  }
  await Promise.all(
    [...nodes.cassandra, ...nodes.kafka].map((svc) => waitHealthy(svc.name, nodeProbe(svc, nodes.cassandra.length - 1), timeoutMs)),
  );
  return settings;
}

async function startCluster(timeoutMs: number, log: (msg: string) => void): Promise<void> {
  const nodes = clusterNodes(3);
  for (const [i, svc] of nodes.cassandra.entries()) {
    const probe = nodeProbe(svc, i);
    if (await isHealthy(probe)) {
      log(`${svc.name}: already healthy on ${svc.host}, reusing`);
      continue;
    }
    const started = Date.now();
    const pid = await ensureStarted(svc, log);
    const what = await waitNodes(svc.name, probe, new Map([[svc, pid]]), timeoutMs);
    log(`${svc.name}: healthy (${what}) after ${secs(started)}`);
  }
  const started = Date.now();
  const brokers = clusterSettings(3).kafkaBrokers;
  const allBrokers: Probe = () => probeKafka(brokers, brokers.length);
  if (await isHealthy(allBrokers)) {
    log('kafka: all brokers already healthy, reusing');
    return;
  }
  const jvms = new Map<JvmService, number>();
  for (const svc of nodes.kafka) jvms.set(svc, await ensureStarted(svc, log));
  const what = await waitNodes('kafka', allBrokers, jvms, timeoutMs);
  log(`kafka: healthy (${what}) after ${secs(started)}`);
}

/** `status` of the cluster: one line per node, each asked on its own address. */
async function clusterStatus(): Promise<ServiceStatus[]> {
  const nodes = clusterNodes(3);
  return Promise.all(
    [...nodes.kafka, ...nodes.cassandra].map(async (svc): Promise<ServiceStatus> => {
      let detail = '';
      const healthy = await nodeProbe(svc, nodes.cassandra.length - 1)().then(
        (d) => ((detail = d), true),
        (err: unknown) => ((detail = errorMessage(err).split('\n')[0]), false),
      );
      return { name: svc.name, endpoints: [endpointOf(svc)], mode: 'local-jvm', pid: runningPid(svc), portOpen: await portOpen(svc.host, svc.port), healthy, detail };
    }),
  );
}
