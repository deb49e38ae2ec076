// Local JVM services: fetch jars with Maven, prepare data dirs, start and stop detached JVMs.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, SERVICES_DIR, STATE_DIR } from './config.js';
import { commandLine, findProcesses, isAlive, readPid, run, ServicesError, tail, terminate } from './proc.js';

export type ServiceName = 'kafka' | 'cassandra';

export interface JvmService {
  /** `kafka` or `cassandra` for the single node; `kafka-2`, `cassandra-3`... for a cluster node. */
  name: string;
  /** Which server it is (its pom.xml, jvm.options and config under services/). */
  kind: ServiceName;
  /** The loopback address it binds (127.0.0.1 for the single node, 127.0.0.N for cluster node N). */
  host: string;
  /** Set for a node of the 3-node cluster (services/cluster.ts): its 1-based index and the cluster size. */
  cluster?: { readonly index: number; readonly size: number };
  /** Client port, plus other ports the JVM binds on `host`. */
  port: number;
  otherPorts: number[];
  home: string;
  libDir: string;
  dataDir: string;
  logsDir: string;
  pidFile: string;
  /** Main log written by the server's logging framework, and the JVM's stdout/stderr. */
  logFiles: string[];
  /** Unique to this checkout, so `down` finds our JVMs even without pid files. */
  marker: string;
  stopGraceMs: number;
}

const KAFKA_CLUSTER_ID = 'ZGVuZHJpdGVzLWxvY2FsMQ'; // base64url("dendrites-local1")

function service(name: ServiceName, port: number, otherPorts: number[], mainLog: string): JvmService {
  const home = path.join(STATE_DIR, name);
  const logsDir = path.join(home, 'logs');
  return {
    name,
    kind: name,
    host: '127.0.0.1',
    port,
    otherPorts,
    home,
    libDir: path.join(home, 'lib'),
    dataDir: path.join(home, 'data'),
    logsDir,
    pidFile: path.join(home, `${name}.pid`),
    logFiles: [path.join(logsDir, mainLog), path.join(logsDir, 'stdout.log')],
    marker: `-Ddendrites.service=${name}@${REPO_ROOT}`,
    stopGraceMs: 30_000,
  };
}

export const KAFKA = service('kafka', 9092, [9093], 'server.log');
export const CASSANDRA = service('cassandra', 9042, [7000], 'system.log');
export const JVM_SERVICES: JvmService[] = [KAFKA, CASSANDRA];

/** Heaps of a cluster node: three of each share 2 cores and a few GB with the tests. */
const CLUSTER_HEAP: Record<ServiceName, string> = { kafka: '384m', cassandra: '768m' };
/** A cluster node's ring delay: how long its gossip shadow round waits for a seed when it starts again. */
const CLUSTER_RING_DELAY_MS = 15_000;

/**
 * Node `index` (1-based) of a `size`-node cluster of `kind`: it binds 127.0.0.<index> on the single
 * node's ports, keeps its data and logs under .services/cluster/<kind>-<index>, and shares the jars
 * of the single node (.services/<kind>/lib).
 */
export function clusterNode(kind: ServiceName, index: number, size: number): JvmService {
  const single = kind === 'kafka' ? KAFKA : CASSANDRA;
  const name = `${kind}-${index}`;
  const home = path.join(STATE_DIR, 'cluster', name);
  const logsDir = path.join(home, 'logs');
  return {
    ...single,
    name,
    host: `127.0.0.${index}`,
    cluster: { index, size },
    home,
    dataDir: path.join(home, 'data'),
    logsDir,
    pidFile: path.join(home, `${name}.pid`),
    logFiles: single.logFiles.map((f) => path.join(logsDir, path.basename(f))),
    marker: `-Ddendrites.service=${name}@${REPO_ROOT}`,
  };
}

export function checkJava(): void {
  const r = run('java', ['-version']);
  if (r.missing) throw new ServicesError('Java not found on PATH: install a JDK 17 or newer (or start a Docker engine).');
  const m = /version "(\d+)(?:\.(\d+))?/.exec(r.output);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : 0;
  if (!r.ok || major < 17) throw new ServicesError(`Java 17 or newer is required; \`java -version\` says:\n${r.output}`);
}

/** Copies the jars named by services/<name>/pom.xml into .services/<name>/lib (once per pom). */
export function fetchJars(svc: JvmService, log: (msg: string) => void): void {
  const pom = path.join(SERVICES_DIR, svc.kind, 'pom.xml');
  const hash = createHash('sha256').update(fs.readFileSync(pom)).digest('hex');
  const stamp = path.join(svc.libDir, '.fetched');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) return;
  const probe = run('mvn', ['-v']);
  if (probe.missing) throw new ServicesError('Maven (mvn) not found on PATH: it is needed once to fetch the server jars.');
  log(`${svc.kind}: fetching jars with Maven into ${path.relative(REPO_ROOT, svc.libDir)} ...`);
  const tmp = `${svc.libDir}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const args = ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${tmp}`, '-DincludeScope=runtime'];
  const r = run('mvn', args);
  if (!r.ok) throw new ServicesError(`${svc.kind}: mvn ${args.join(' ')} failed:\n${r.output.slice(-4000)}`);
  fs.writeFileSync(path.join(tmp, '.fetched'), hash);
  fs.rmSync(svc.libDir, { recursive: true, force: true });
  fs.renameSync(tmp, svc.libDir);
}

/** The flags of services/<kind>/jvm.options; a cluster node gets CLUSTER_HEAP instead of the file's heap. */
function jvmOptions(svc: JvmService): string[] {
  const lines = fs
    .readFileSync(path.join(SERVICES_DIR, svc.kind, 'jvm.options'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
  if (svc.cluster === undefined) return lines;
  const heap = CLUSTER_HEAP[svc.kind];
  const kept = lines.filter((l) => !/^-Xm[sx]/.test(l) && !l.startsWith('-Dcassandra.ring_delay_ms='));
  // A restarted node's gossip shadow round gives up after the ring delay: the single node's 100 ms
  // made a SIGKILLed node fail to start again ("Unable to gossip with any peers") on a busy machine.
  const ringDelay = svc.kind === 'cassandra' ? [`-Dcassandra.ring_delay_ms=${CLUSTER_RING_DELAY_MS}`] : [];
  return [...kept, `-Xms${heap}`, `-Xmx${heap}`, ...ringDelay];
}

/** Replaces `key=value` lines of a properties text (or appends them), keeping everything else. */
export function withProperties(text: string, values: Readonly<Record<string, string>>): string {
  const left = new Map(Object.entries(values));
  const lines = text.split('\n').map((line) => {
    const key = /^([a-z0-9._]+)=/.exec(line)?.[1];
    if (key === undefined || !left.has(key)) return line;
    const value = left.get(key);
    left.delete(key);
    return `${key}=${value}`;
  });
  return [...lines, ...[...left].map(([k, v]) => `${k}=${v}`), ''].join('\n');
}

/** What a broker of the 3-node cluster changes in services/kafka/server.properties. */
export function kafkaClusterProperties(svc: JvmService): Record<string, string> {
  if (svc.cluster === undefined) return {};
  const { index, size } = svc.cluster;
  const voters = Array.from({ length: size }, (_, i) => `${i + 1}@127.0.0.${i + 1}:9093`).join(',');
  const isr = String(Math.min(2, size));
  const rf = String(size);
  return {
    'node.id': String(index),
    'controller.quorum.voters': voters,
    listeners: `PLAINTEXT://${svc.host}:9092,CONTROLLER://${svc.host}:9093`,
    'advertised.listeners': `PLAINTEXT://${svc.host}:9092`,
    'default.replication.factor': rf,
    'min.insync.replicas': isr,
    'offsets.topic.replication.factor': rf,
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': isr,
    'share.coordinator.state.topic.replication.factor': rf,
    'share.coordinator.state.topic.min.isr': isr,
  };
}

function kafkaArgs(svc: JvmService): { props: string; sys: string[] } {
  const props = path.join(svc.home, 'server.properties');
  const base = fs.readFileSync(path.join(SERVICES_DIR, 'kafka', 'server.properties'), 'utf8');
  const text = svc.cluster === undefined ? base : withProperties(base, kafkaClusterProperties(svc));
  fs.writeFileSync(props, `${text}\n# Added by services/jvm.ts\nlog.dirs=${svc.dataDir}\n`);
  const sys = [
    `-Dkafka.logs.dir=${svc.logsDir}`,
    `-Dlog4j2.configurationFile=${path.join(SERVICES_DIR, 'kafka', 'log4j2.properties')}`,
  ];
  return { props, sys };
}

/** Formats KRaft storage with a fixed cluster id unless already formatted. */
function formatKafka(svc: JvmService, log: (msg: string) => void): void {
  const { props, sys } = kafkaArgs(svc);
  if (fs.existsSync(path.join(svc.dataDir, 'meta.properties'))) return;
  log(`${svc.name}: formatting KRaft storage (cluster id ${KAFKA_CLUSTER_ID})`);
  const cp = `${svc.libDir}${path.sep}*`;
  const r = run('java', [...sys, '-Xmx256m', '-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', KAFKA_CLUSTER_ID, '-c', props, '--ignore-formatted']);
  if (!r.ok) throw new ServicesError(`${svc.name}: storage format failed:\n${r.output.slice(-4000)}`);
}

/**
 * The tokens of a `size`-node ring with one token per node, evenly spaced over Murmur3's range
 * (the single node keeps `initial_token: 0`).
 */
export function clusterToken(index: number, size: number): string {
  const span = 2n ** 64n;
  return String(-(2n ** 63n) + (span / BigInt(size)) * BigInt(index - 1));
}

/** What a node of the 3-node cluster changes in services/cassandra/cassandra.yaml (top-level keys). */
export function cassandraClusterSettings(svc: JvmService): Record<string, string> {
  if (svc.cluster === undefined) return {};
  return {
    listen_address: svc.host,
    rpc_address: svc.host,
    initial_token: clusterToken(svc.cluster.index, svc.cluster.size),
  };
}

/** Replaces top-level `key: value` lines of a YAML text; every key must be there already. */
export function withYamlSettings(text: string, values: Readonly<Record<string, string>>): string {
  let out = text;
  for (const [key, value] of Object.entries(values)) {
    const line = new RegExp(`^${key}:.*$`, 'm');
    if (!line.test(out)) throw new ServicesError(`services/cassandra/cassandra.yaml has no top-level ${key}`);
    out = out.replace(line, `${key}: ${value}`);
  }
  return out;
}

/** The cassandra.yaml a node starts with: the single node's file itself, or a cluster node's copy. */
function cassandraConfig(svc: JvmService): string {
  const base = path.join(SERVICES_DIR, 'cassandra', 'cassandra.yaml');
  if (svc.cluster === undefined) return base;
  const file = path.join(svc.home, 'cassandra.yaml');
  const header = `# Written by services/jvm.ts for ${svc.name} from services/cassandra/cassandra.yaml\n`;
  fs.writeFileSync(file, header + withYamlSettings(fs.readFileSync(base, 'utf8'), cassandraClusterSettings(svc)));
  return file;
}

function commandFor(svc: JvmService): string[] {
  const cp = ['-cp', `${svc.libDir}${path.sep}*`];
  if (svc.kind === 'kafka') {
    const { props, sys } = kafkaArgs(svc);
    return [...jvmOptions(svc), ...sys, svc.marker, ...cp, 'kafka.Kafka', props];
  }
  const conf = path.join(SERVICES_DIR, 'cassandra');
  const sys = [
    `-Dcassandra.config=file://${cassandraConfig(svc)}`,
    `-Dcassandra.storagedir=${svc.dataDir}`,
    `-Dcassandra.logdir=${svc.logsDir}`,
    `-Dlogback.configurationFile=${path.join(conf, 'logback.xml')}`,
    `-XX:HeapDumpPath=${svc.logsDir}`,
  ];
  return [...jvmOptions(svc), ...sys, svc.marker, ...cp, 'org.apache.cassandra.service.CassandraDaemon'];
}

/** Fetches, prepares and starts the JVM detached; returns its pid. */
export function startJvm(svc: JvmService, log: (msg: string) => void): number {
  fetchJars(svc, log);
  fs.mkdirSync(svc.dataDir, { recursive: true });
  fs.mkdirSync(svc.logsDir, { recursive: true });
  if (svc.kind === 'kafka') formatKafka(svc, log);
  const out = fs.openSync(svc.logFiles[1], 'a');
  fs.writeSync(out, `\n---- ${new Date().toISOString()} starting ${svc.name} ----\n`);
  const child = spawn('java', commandFor(svc), { cwd: svc.home, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  if (child.pid === undefined) throw new ServicesError(`${svc.name}: could not spawn java`);
  child.unref();
  fs.writeFileSync(svc.pidFile, `${child.pid}\n`);
  return child.pid;
}

/** Pid of our running JVM for `svc`, if any (pid file checked against the marker). */
export function runningPid(svc: JvmService): number | undefined {
  const pid = readPid(svc.pidFile);
  if (pid !== undefined && isAlive(pid)) {
    const cmd = commandLine(pid);
    if (cmd === undefined || cmd.includes(svc.marker)) return pid;
  }
  return findProcesses(svc.marker)[0];
}

/** Stops every JVM of ours for `svc`: SIGTERM, then SIGKILL after the grace period. */
export async function stopJvm(svc: JvmService, log: (msg: string) => void): Promise<void> {
  const pids = new Set(findProcesses(svc.marker));
  const own = runningPid(svc);
  if (own !== undefined) pids.add(own);
  if (pids.size === 0) log(`${svc.name}: not running`);
  await Promise.all(
    [...pids].map(async (pid) => {
      const started = Date.now();
      const how = await terminate(pid, svc.stopGraceMs);
      log(`${svc.name}: stopped pid ${pid} (${how === 'killed' ? 'SIGKILL after SIGTERM timeout' : 'SIGTERM'}, ${secs(started)})`);
    }),
  );
  fs.rmSync(svc.pidFile, { force: true });
}

export function logTail(svc: JvmService, lines: number): string {
  return svc.logFiles.map((f) => `==> ${path.relative(REPO_ROOT, f)} <==\n${tail(f, lines)}`).join('\n');
}

export function secs(startedMs: number): string {
  return `${((Date.now() - startedMs) / 1000).toFixed(1)}s`;
}
