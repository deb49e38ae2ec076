// In-process API of the local services launcher (used by the CLI, test setup, demo and bench).
import fs from 'node:fs';
import path from 'node:path';
import { connectionSettings, hostPort, isManagedLocal, STATE_DIR, type ConnectionSettings } from './config.js';
import { composeDown, composeLogs, composePs, composeUp, dockerEngineAnswers } from './docker.js';
import { isHealthy, probeCassandra, probeKafka, waitHealthy, type Probe } from './health.js';
import { checkJava, JVM_SERVICES, logTail, runningPid, secs, startJvm, stopJvm, type JvmService } from './jvm.js';
import { withLock } from './lock.js';
import { errorMessage, isAlive, portOpen, ServicesError } from './proc.js';

export { connectionSettings, ServicesError, type ConnectionSettings };

export interface UpOptions {
  /** How long to wait for each server to become healthy (default SERVICES_UP_TIMEOUT_MS or 240 s). */
  timeoutMs?: number;
  log?: (msg: string) => void;
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
    log(`docker engine answers: docker compose up -d --wait ${list.map((t) => t.svc.name).join(' ')}`);
    composeUp(list.map((t) => t.svc.name));
    log(`docker compose up took ${secs(started)}`);
    return;
  }
  checkJava();
  // Cassandra first: it takes longest to boot, so Kafka's (synchronous) preparation overlaps it.
  const ordered = [...list].sort((a, b) => (a.svc.name === 'cassandra' ? -1 : b.svc.name === 'cassandra' ? 1 : 0));
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
            `Stop it, or point ${svc.name === 'kafka' ? 'KAFKA_BROKERS' : 'CASSANDRA_CONTACT_POINTS'} at a running server.`,
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

/** Stops our JVMs (and the compose project when a Docker engine answers). */
export async function servicesDown(opts: { log?: (msg: string) => void } = {}): Promise<void> {
  const log = opts.log ?? ((msg: string) => console.log(msg));
  await Promise.all(JVM_SERVICES.map((svc) => stopJvm(svc, log)));
  if (dockerEngineAnswers()) {
    log('docker engine answers: docker compose down');
    composeDown();
  }
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

/** What runs where: pid, port, health. */
export async function servicesStatus(): Promise<ServiceStatus[]> {
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

/** The tail of both servers' logs. */
export function servicesLogs(lines = 50): string {
  const parts = JVM_SERVICES.filter((svc) => fs.existsSync(svc.logsDir)).map((svc) => logTail(svc, lines));
  if (dockerEngineAnswers()) parts.push(composeLogs(lines));
  return parts.length > 0 ? parts.join('\n\n') : 'no logs yet (services never started here)';
}
