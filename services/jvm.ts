// Local JVM services: fetch jars with Maven, prepare data dirs, start and stop detached JVMs.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, SERVICES_DIR, STATE_DIR } from './config.js';
import { commandLine, findProcesses, isAlive, readPid, run, ServicesError, tail, terminate } from './proc.js';

export type ServiceName = 'kafka' | 'cassandra';

export interface JvmService {
  name: ServiceName;
  /** Client port, plus other ports the JVM binds on 127.0.0.1. */
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

export function checkJava(): void {
  const r = run('java', ['-version']);
  if (r.missing) throw new ServicesError('Java not found on PATH: install a JDK 17 or newer (or start a Docker engine).');
  const m = /version "(\d+)(?:\.(\d+))?/.exec(r.output);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : 0;
  if (!r.ok || major < 17) throw new ServicesError(`Java 17 or newer is required; \`java -version\` says:\n${r.output}`);
}

/** Copies the jars named by services/<name>/pom.xml into .services/<name>/lib (once per pom). */
export function fetchJars(svc: JvmService, log: (msg: string) => void): void {
  const pom = path.join(SERVICES_DIR, svc.name, 'pom.xml');
  const hash = createHash('sha256').update(fs.readFileSync(pom)).digest('hex');
  const stamp = path.join(svc.libDir, '.fetched');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) return;
  const probe = run('mvn', ['-v']);
  if (probe.missing) throw new ServicesError('Maven (mvn) not found on PATH: it is needed once to fetch the server jars.');
  log(`${svc.name}: fetching jars with Maven into ${path.relative(REPO_ROOT, svc.libDir)} ...`);
  const tmp = `${svc.libDir}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const args = ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${tmp}`, '-DincludeScope=runtime'];
  const r = run('mvn', args);
  if (!r.ok) throw new ServicesError(`${svc.name}: mvn ${args.join(' ')} failed:\n${r.output.slice(-4000)}`);
  fs.writeFileSync(path.join(tmp, '.fetched'), hash);
  fs.rmSync(svc.libDir, { recursive: true, force: true });
  fs.renameSync(tmp, svc.libDir);
}

function jvmOptions(svc: JvmService): string[] {
  return fs
    .readFileSync(path.join(SERVICES_DIR, svc.name, 'jvm.options'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
}

function kafkaArgs(): { props: string; sys: string[] } {
  const props = path.join(KAFKA.home, 'server.properties');
  const base = fs.readFileSync(path.join(SERVICES_DIR, 'kafka', 'server.properties'), 'utf8');
  fs.writeFileSync(props, `${base}\n# Added by services/jvm.ts\nlog.dirs=${KAFKA.dataDir}\n`);
  const sys = [
    `-Dkafka.logs.dir=${KAFKA.logsDir}`,
    `-Dlog4j2.configurationFile=${path.join(SERVICES_DIR, 'kafka', 'log4j2.properties')}`,
  ];
  return { props, sys };
}

/** Formats KRaft storage with a fixed cluster id unless already formatted. */
function formatKafka(log: (msg: string) => void): void {
  const { props, sys } = kafkaArgs();
  if (fs.existsSync(path.join(KAFKA.dataDir, 'meta.properties'))) return;
  log(`kafka: formatting KRaft storage (cluster id ${KAFKA_CLUSTER_ID})`);
  const cp = `${KAFKA.libDir}${path.sep}*`;
  const r = run('java', [...sys, '-Xmx256m', '-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', KAFKA_CLUSTER_ID, '-c', props, '--ignore-formatted']);
  if (!r.ok) throw new ServicesError(`kafka: storage format failed:\n${r.output.slice(-4000)}`);
}

function commandFor(svc: JvmService): string[] {
  const cp = ['-cp', `${svc.libDir}${path.sep}*`];
  if (svc.name === 'kafka') {
    const { props, sys } = kafkaArgs();
    return [...jvmOptions(svc), ...sys, svc.marker, ...cp, 'kafka.Kafka', props];
  }
  const conf = path.join(SERVICES_DIR, 'cassandra');
  const sys = [
    `-Dcassandra.config=file://${path.join(conf, 'cassandra.yaml')}`,
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
  if (svc.name === 'kafka') formatKafka(log);
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
