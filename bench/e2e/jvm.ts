// The JVM peer (bench/jvm: kafka-clients + the Apache Cassandra Java driver + Avro), built
// with Maven into bench/.build/jvm (git-ignored) when its sources are newer than the jar, and
// started as its own process: its CPU, RSS and result line are the JVM's own.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildConfig } from './common.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const MODULE = resolve(here, '../jvm');
const BUILD = resolve(here, '../.build/jvm');
const JAR = join(BUILD, 'e2e-jvm-peer.jar');
const SCHEMA = resolve(here, '../../schemas/command.avsc');

/** Commands in flight in the JVM peer (two writes each): 128, as dendrites' parallelism per branch. */
export const JVM_CONCURRENCY = 128;

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the peer unless the jar is newer than its sources: offline first (`mvn -o`), then online. */
export function buildJvmPeer(log: (msg: string) => void): void {
  if (existsSync(JAR) && existsSync(join(BUILD, 'lib')) && statSync(JAR).mtimeMs >= newestSource(MODULE)) return;
  rmSync(join(BUILD, 'lib'), { recursive: true, force: true }); // copy-dependencies adds, never removes
  const base = ['-q', '-B', '-f', join(MODULE, 'pom.xml'), 'package'];
  for (const args of [['-o', ...base], base]) {
    log(`building the JVM peer: mvn ${args.join(' ')}`);
    const r = spawnSync('mvn', args, { encoding: 'utf8' });
    if (r.error !== undefined) throw new Error(`mvn not found: the jvm contender needs Maven and a JDK 17 (${r.error.message})`);
    if (r.status === 0 && existsSync(JAR)) return;
    log(`mvn ${args[0] === '-o' ? 'offline ' : ''}failed: ${(r.stdout + r.stderr).trim().split('\n').slice(-5).join(' | ')}`);
  }
  throw new Error('could not build the JVM peer (bench/jvm)');
}

/** The java command line that runs the peer for one run. */
export function jvmCommand(config: ChildConfig): { command: string; args: string[] } {
  const fetch = config.fetch ?? { maxBytesPerPartition: 65_536, maxBytes: 262_144 };
  const versions = readdirSync(join(BUILD, 'lib'));
  const version = (prefix: string): string => versions.find((f) => f.startsWith(prefix))?.slice(prefix.length).replace(/\.jar$/, '') ?? '?';
  return {
    command: 'java',
    args: [
      '-cp',
      `${JAR}:${join(BUILD, 'lib')}/*`,
      'dendrites.bench.JvmPeer',
      '--commands', String(config.commands),
      '--concurrency', String(config.concurrency ?? JVM_CONCURRENCY),
      '--keyspace', config.keyspace,
      '--topic', config.topic,
      '--group', config.groupId,
      '--brokers', config.brokers.join(','),
      '--contact-points', config.contactPoints.join(','),
      '--local-dc', config.localDc,
      '--schema', SCHEMA,
      '--max-bytes-per-partition', String(fetch.maxBytesPerPartition),
      '--max-bytes', String(fetch.maxBytes),
      '--kafka-version', version('kafka-clients-'),
      '--driver-version', version('java-driver-core-'),
    ],
  };
}
