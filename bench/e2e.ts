// The "e2e" benchmark: Kafka → CQRS graph → Cassandra on the local services.
//   npm run bench -- e2e [--commands N] [--rounds R] [--accounts A] [--profile DIR]
//
// Produces N Avro transfer commands once to a 6-partition topic (and N/10 to a second topic
// for the backlog comparison), then runs each contender in its own child process, in turn
// and R times each (A B C A B C), every run on a fresh consumer group and a fresh keyspace:
//   dendrites  the money-transfer sample's domain in the parallel command graph (src/graphs/command-graph.ts) as shipped;
//   baseline   kafkajs eachBatch + avsc + cassandra-driver executeConcurrent, by hand;
//   ceiling    the same writes from memory with executeConcurrent (no Kafka).
// Every run is checked (rows per table, ledger entries and balances per account, offsets
// committed) and fails loudly when wrong. Prints a table, writes the "e2e" section of
// bench/RESULTS.md, and prints one JSON line last.
import { spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import type cassandra from 'cassandra-driver';
import type { Kafka } from 'kafkajs';
import { servicesUp } from '../services/services.js';
import { type Command, commandRecord, sampleCommands } from 'dendrites/samples/money-transfer';
import { kafkaAdmin } from 'dendrites/kafka';
import { type ChildConfig, type ChildResult, type ContenderName, newCassandra, newKafka, option, positive } from './e2e/common.js';
import { dropQuietly, type Expected, expectedOf, freshKeyspace, verify } from './e2e/setup.js';
import { writeE2eSection } from './e2e/results.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const CHILD = resolve(here, 'e2e/child.ts');
const PARTITIONS = 6;
const SEED = 7;
const CONTENDERS: readonly ContenderName[] = ['dendrites', 'baseline', 'ceiling'];

const log = (msg: string): void => void process.stderr.write(`[e2e] ${msg}\n`);

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

function spawnChild(config: ChildConfig, profileDir: string | undefined): Promise<ChildResult> {
  const flags = ['--import', 'tsx', ...(profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir])];
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(process.execPath, [...flags, CHILD, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (s: string) => (out += s));
    proc.on('error', reject);
    proc.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${config.contender} child exited with ${code}: ${last}`));
      try {
        resolvePromise(JSON.parse(last) as ChildResult);
      } catch (error) {
        reject(new Error(`${config.contender} child printed no result: ${last}`, { cause: error }));
      }
    });
  });
}

interface Setting {
  readonly brokers: readonly string[];
  readonly contactPoints: readonly string[];
  readonly localDc: string;
}

interface Run {
  readonly result: ChildResult;
  readonly topic: string;
}

let runNo = 0;

/** One run of one contender on fresh state, checked. */
async function runOnce(
  s: Setting,
  client: cassandra.Client,
  kafka: Kafka,
  contender: ContenderName,
  topic: string,
  expected: Expected,
  extra: Partial<ChildConfig>,
  profileDir: string | undefined,
): Promise<ChildResult> {
  const tag = `${Date.now().toString(36)}_${++runNo}`;
  const keyspace = `e2e_${contender}_${tag}`;
  const groupId = `e2e-${contender}-${tag}`;
  await freshKeyspace(client, keyspace, expected.accounts, expected.since);
  try {
    const config: ChildConfig = { contender, commands: expected.commands, accounts: expected.accounts.length, seed: SEED, keyspace, topic, groupId, ...s, ...extra };
    const result = await spawnChild(config, profileDir);
    const problems = await verify(client, keyspace, contender === 'ceiling' ? { ...expected, until: Date.now() } : expected, contender === 'ceiling' ? undefined : { kafka, groupId, topic });
    if (problems.length > 0) {
      throw new Error(`${contender} did not write every command exactly once (keyspace ${keyspace}):\n  ${problems.slice(0, 20).join('\n  ')}`);
    }
    log(`${contender.padEnd(9)} ${String(result.commandsPerSec).padStart(7)} commands/s  p50 ${result.p50Ms ?? '-'} ms  p99 ${result.p99Ms ?? '-'} ms  peak RSS ${result.peakRssMb} MB  cpu ${result.cpuMs ?? '-'} ms  (${result.ms} ms, checked) ${result.note ?? ''}`);
    await dropQuietly(client, keyspace);
    return result;
  } catch (error) {
    log(`keeping keyspace ${keyspace} for inspection`);
    throw error;
  }
}

async function produce(kafka: Kafka, topic: string, commands: readonly Command[]): Promise<void> {
  const admin = kafkaAdmin({ kafka });
  try {
    await admin.createTopics([topic, `${topic}-dead-letter`], { partitions: PARTITIONS });
  const started = performance.now();
  const sent = await admin.produce(topic, commands.map(commandRecord));
  if (sent !== commands.length) throw new Error(`produced ${sent} of ${commands.length} commands to ${topic}`);
  log(`produced ${sent} commands to ${topic} (${PARTITIONS} partitions) in ${Math.round(performance.now() - started)} ms`);
  } finally {
    await admin.close();
  }
}

function versions(): Record<string, string> {
  const pkg = (name: string): string => (JSON.parse(readFileSync(resolve(here, '../node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    node: process.version,
    dendrites: (JSON.parse(readFileSync(resolve(here, '../package.json'), 'utf8')) as { version: string }).version,
    kafkajs: pkg('kafkajs'),
    'cassandra-driver': pkg('cassandra-driver'),
    avsc: pkg('avsc'),
  };
}

async function serverVersions(client: cassandra.Client): Promise<{ kafka: string; cassandra: string }> {
  const row = (await client.execute('SELECT release_version FROM system.local')).rows[0];
  let kafka = 'unknown';
  try {
    const { readdirSync } = await import('node:fs');
    const jar = readdirSync(resolve(here, '../.services/kafka/lib')).find((f) => /^kafka-clients-.*\.jar$/.test(f));
    if (jar !== undefined) kafka = jar.replace(/^kafka-clients-|\.jar$/g, '');
  } catch {
    // not started by the local launcher (docker or external): version unknown here
  }
  return { kafka, cassandra: String(row?.get('release_version') ?? 'unknown') };
}

export async function runE2e(args: readonly string[]): Promise<void> {
  const commands = positive(args, '--commands', 200_000);
  const rounds = positive(args, '--rounds', 2);
  const accountCount = positive(args, '--accounts', 100);
  const profileDir = option(args, '--profile');
  const small = Math.max(1, Math.round(commands / 10));
  const settings = await servicesUp({ log });
  const s: Setting = { brokers: settings.kafkaBrokers, contactPoints: settings.cassandraContactPoints, localDc: settings.cassandraLocalDc };
  const kafka = newKafka(s, 'e2e-bench');
  const client = newCassandra(s);
  await client.connect();
  try {
    // ---- the commands, produced once --------------------------------------------------
    const { accounts, transfers } = sampleCommands({ accounts: accountCount, transfers: commands, seed: SEED });
    const stamp = Date.now().toString(36);
    const topic = `e2e-commands-${commands}-${stamp}`;
    const smallTopic = `e2e-commands-${small}-${stamp}`;
    const since = Date.now();
    await produce(kafka, topic, transfers);
    await produce(kafka, smallTopic, transfers.slice(0, small));
    const until = Date.now();
    const like = transfers.map((c) => ({ from: c.data.from_account ?? '', to: c.data.to_account ?? '', amount: c.data.amount ?? 0 }));
    const expected = expectedOf(accounts, like, since, until);
    const expectedSmall = expectedOf(accounts, like.slice(0, small), since, until);

    // ---- the ceiling's best concurrency -----------------------------------------------
    const sweepKeyspace = `e2e_sweep_${stamp}`;
    await freshKeyspace(client, sweepKeyspace, accounts, since);
    const sweepCommands = Math.min(20_000, commands);
    const sweep = await spawnChild({ contender: 'ceiling-sweep', commands: sweepCommands, accounts: accountCount, seed: SEED, keyspace: sweepKeyspace, topic, groupId: '-', ...s, sweep: [16, 32, 64, 128, 256, 512] }, undefined);
    await dropQuietly(client, sweepKeyspace);
    const best = (sweep.sweep ?? []).reduce((a, b) => (b.commandsPerSec > a.commandsPerSec ? b : a), { concurrency: 128, commandsPerSec: 0 });
    log(`ceiling sweep (${sweepCommands} commands each): ${(sweep.sweep ?? []).map((x) => `${x.concurrency}→${x.commandsPerSec}/s`).join(', ')}; best ${best.concurrency}`);

    // ---- A B C A B C ------------------------------------------------------------------
    const extra: Record<ContenderName, Partial<ChildConfig>> = {
      dendrites: {},
      baseline: { concurrency: positive(args, '--baseline-partitions', 6), batchConcurrency: positive(args, '--baseline-concurrency', 64) },
      ceiling: { concurrency: best.concurrency },
    };
    const only = option(args, '--only');
    const runs = new Map<ContenderName, ChildResult[]>(CONTENDERS.map((c) => [c, []]));
    for (let r = 0; r < rounds; r++) {
      for (const c of CONTENDERS) {
        if (only !== undefined && !only.split(',').includes(c)) continue;
        runs.get(c)?.push(await runOnce(s, client, kafka, c, topic, expected, extra[c], profileDir));
      }
    }

    // ---- memory against backlog: dendrites on N/10 ------------------------------------
    const smallRuns: ChildResult[] = [];
    if (only === undefined || only.split(',').includes('dendrites')) {
      for (let r = 0; r < rounds; r++) smallRuns.push(await runOnce(s, client, kafka, 'dendrites', smallTopic, expectedSmall, {}, profileDir));
    }

    // ---- report -----------------------------------------------------------------------
    const med = (c: ContenderName, f: (r: ChildResult) => number | null): number | null => {
      const xs = (runs.get(c) ?? []).map(f).filter((x): x is number => x !== null);
      return xs.length === 0 ? null : median(xs);
    };
    const rate = (c: ContenderName): number | null => med(c, (r) => r.commandsPerSec);
    const rss = (c: ContenderName): number | null => med(c, (r) => r.peakRssMb);
    const dRate = rate('dendrites');
    const bRate = rate('baseline');
    const cRate = rate('ceiling');
    const rssSmall = smallRuns.length === 0 ? null : median(smallRuns.map((r) => r.peakRssMb));
    const rssBig = rss('dendrites');
    const summary = {
      bench: 'e2e',
      commands,
      commandsPerSec: { dendrites: dRate, baseline: bRate, ceiling: cRate },
      ratioToBaseline: dRate !== null && bRate !== null ? round(dRate / bRate) : null,
      ratioToCeiling: dRate !== null && cRate !== null ? round(dRate / cRate) : null,
      p50Ms: { dendrites: med('dendrites', (r) => r.p50Ms), baseline: med('baseline', (r) => r.p50Ms) },
      p99Ms: { dendrites: med('dendrites', (r) => r.p99Ms), baseline: med('baseline', (r) => r.p99Ms) },
      peakRssMb: { dendrites: rssBig, baseline: rss('baseline'), ceiling: rss('ceiling'), dendritesBacklogSmall: rssSmall },
      rssGrowthBacklog10x: rssBig !== null && rssSmall !== null ? round(rssBig / rssSmall) : null,
    };
    const rows = CONTENDERS.filter((c) => (runs.get(c) ?? []).length > 0).map((c) => ({
      contender: c,
      runs: (runs.get(c) ?? []).map((r) => r.commandsPerSec),
      rate: rate(c),
      p50: med(c, (r) => r.p50Ms),
      p99: med(c, (r) => r.p99Ms),
      rss: rss(c),
      note: (runs.get(c) ?? [])[0]?.note ?? 'the sample as shipped',
    }));
    const pad = (v: unknown, n: number): string => String(v ?? '-').padStart(n);
    const table = [
      `${'contender'.padEnd(10)} ${pad('commands/s', 11)} ${pad('runs', 16)} ${pad('p50 ms', 8)} ${pad('p99 ms', 8)} ${pad('peak RSS MB', 12)}`,
      ...rows.map((r) => `${r.contender.padEnd(10)} ${pad(r.rate, 11)} ${pad(r.runs.join(' / '), 16)} ${pad(r.p50, 8)} ${pad(r.p99, 8)} ${pad(r.rss, 12)}`),
      `dendrites peak RSS: ${rssSmall ?? '-'} MB with a ${small} backlog, ${rssBig ?? '-'} MB with ${commands} (×${summary.rssGrowthBacklog10x ?? '-'})`,
    ].join('\n');
    console.log(table);
    const machine = { nproc: cpus().length, memoryGb: round(totalmem() / 2 ** 30, 1), cpu: cpus()[0]?.model ?? 'unknown' };
    if (only === undefined) {
      const servers = await serverVersions(client);
      writeE2eSection({ date: new Date().toISOString(), commands, small, rounds, machine, versions: { ...versions(), ...servers }, rows, sweep: sweep.sweep ?? [], bestConcurrency: best.concurrency, summary });
      log('wrote the e2e section of bench/RESULTS.md');
    }
    console.log(JSON.stringify({ bench: summary.bench, commandsPerSec: summary.commandsPerSec, ratioToBaseline: summary.ratioToBaseline, ratioToCeiling: summary.ratioToCeiling, p99Ms: summary.p99Ms, peakRssMb: summary.peakRssMb, rssGrowthBacklog10x: summary.rssGrowthBacklog10x }));
    await deleteTopics(kafka, [topic, `${topic}-dead-letter`, smallTopic, `${smallTopic}-dead-letter`]);
  } finally {
    await client.shutdown();
  }
}

async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics });
  } catch {
    // leaving them is harmless
  } finally {
    await admin.disconnect();
  }
}

export { runE2e as main };
