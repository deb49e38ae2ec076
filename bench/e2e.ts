// The "e2e" benchmark: Kafka → CQRS graph → Cassandra on the local services.
//   npm run bench -- e2e [--commands N] [--rounds R] [--only a,b] [--accounts A] [--backlog-rounds B] [--profile DIR]
//
// Produces N Avro transfer commands once to a 6-partition topic (and N/10 to a second topic
// for the backlog comparison), then runs each contender in its own process, R rounds, the
// contenders interleaved and their order rotated each round, every run on a fresh consumer
// group and a fresh keyspace:
//   dendrites          the money-transfer sample's domain in the parallel command graph as shipped;
//   prevent            the same with duplicates: 'prevent' (an LWT claim per command; only when named in --only);
//   baseline           kafkajs eachBatch + avsc + cassandra-driver by hand, with dendrites' fetch bounds;
//   jvm                kafka-clients + the Apache Cassandra Java driver + Avro (bench/jvm), dendrites' fetch bounds;
//   ceiling            the same writes from memory (no Kafka), streamed, sweeping writes in flight as it goes;
//   baseline-defaults  the baseline with kafkajs' default fetch sizes (only when named in --only).
// Every run is checked (rows per table, ledger entries and balances per account, offsets
// committed) and fails loudly when wrong. Prints medians with min–max ranges, the ratios and
// the targets; without --only, writes the "e2e" section of bench/RESULTS.md; prints one JSON line last.
import { spawn } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import type cassandra from 'cassandra-driver';
import type { Kafka } from 'kafkajs';
import { servicesUp } from '../services/services.js';
import { type Command, commandRecord, sampleCommands } from 'dendrites/samples/money-transfer';
import { kafkaAdmin } from 'dendrites/kafka';
import { GRAPH_FETCH_DEFAULTS } from 'dendrites/cqrs';
import { type ChildConfig, type ChildResult, type ContenderName, newCassandra, newKafka, option, positive } from './e2e/common.js';
import { CEILING_LEVELS } from './e2e/ceiling.js';
import { buildJvmPeer, JVM_CONCURRENCY, jvmCommand } from './e2e/jvm.js';
import { dropQuietly, type Expected, expectedOf, freshKeyspace, verify } from './e2e/setup.js';
import { writeE2eSection } from './e2e/results.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const CHILD = resolve(here, 'e2e/child.ts');
const PARTITIONS = 6;
const SEED = 7;
const ALL: readonly ContenderName[] = ['dendrites', 'prevent', 'baseline', 'jvm', 'ceiling', 'baseline-defaults'];
const DEFAULT_CONTENDERS: readonly ContenderName[] = ['dendrites', 'baseline', 'jvm', 'ceiling'];
const FETCH = { maxBytesPerPartition: GRAPH_FETCH_DEFAULTS.maxBytesPerPartition, maxBytes: GRAPH_FETCH_DEFAULTS.maxBytes };

const log = (msg: string): void => void process.stderr.write(`[e2e] ${msg}\n`);

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

function spawnChild(config: ChildConfig, profileDir: string | undefined): Promise<ChildResult> {
  const flags = ['--import', 'tsx', ...(profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', resolve(profileDir, config.contender)])];
  const { command, args } = config.contender === 'jvm' ? jvmCommand(config) : { command: process.execPath, args: [...flags, CHILD, JSON.stringify(config)] };
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
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
  const keyspace = `e2e_${contender.replaceAll('-', '_')}_${tag}`;
  const groupId = `e2e-${contender}-${tag}`;
  await freshKeyspace(client, keyspace, expected.accounts, expected.since);
  try {
    const config: ChildConfig = { contender, commands: expected.commands, accounts: expected.accounts.length, seed: SEED, keyspace, topic, groupId, ...s, ...extra };
    const result = await spawnChild(config, profileDir);
    const problems = await verify(client, keyspace, contender === 'ceiling' ? { ...expected, until: Date.now() } : expected, contender === 'ceiling' ? undefined : { kafka, groupId, topic });
    if (problems.length > 0) {
      throw new Error(`${contender} did not write every command exactly once (keyspace ${keyspace}):\n  ${problems.slice(0, 20).join('\n  ')}`);
    }
    const per1000 = result.windowCpuMs === undefined ? '-' : Math.round((result.windowCpuMs / result.commands) * 1000);
    log(`${contender.padEnd(9)} ${String(result.commandsPerSec).padStart(7)} commands/s  p50 ${result.p50Ms ?? '-'} ms  p99 ${result.p99Ms ?? '-'} ms  peak RSS ${result.peakRssMb} MB  CPU ${per1000} ms per 1,000 commands (process ${result.cpuMs ?? '-'} ms)  (${result.ms} ms, checked) ${result.note ?? ''}${result.sweep === undefined ? '' : `; sweep ${result.sweep.map((x) => `${x.concurrency}→${x.commandsPerSec}/s`).join(', ')}, overall ${result.overallCommandsPerSec}/s`}`);
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

interface Stat {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

function stat(xs: readonly (number | null | undefined)[]): Stat | null {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length === 0 ? null : { median: median(v), min: Math.min(...v), max: Math.max(...v), n: v.length };
}

const fmt = (s: Stat | null, digits = 0): string => {
  if (s === null) return '–';
  const f = (x: number): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
};

/** Client CPU (user + system, the process's every thread) per 1,000 commands over the measured window. */
const cpuPer1000 = (r: ChildResult): number | null => (r.windowCpuMs === undefined ? null : (r.windowCpuMs / r.commands) * 1000);
const processCpuPer1000 = (r: ChildResult): number | null => (r.cpuMs === undefined ? null : (r.cpuMs / r.commands) * 1000);

export async function runE2e(args: readonly string[]): Promise<void> {
  const commands = positive(args, '--commands', 30_000);
  const rounds = positive(args, '--rounds', 5);
  const accountCount = positive(args, '--accounts', 100);
  const backlogRounds = Number(option(args, '--backlog-rounds') ?? 2);
  const profileDir = option(args, '--profile');
  const only = option(args, '--only')?.split(',');
  for (const c of only ?? []) if (!ALL.includes(c as ContenderName)) throw new Error(`unknown contender ${c}; one of ${ALL.join(', ')}`);
  const contenders = only === undefined ? DEFAULT_CONTENDERS : ALL.filter((c) => only.includes(c));
  const small = Math.max(1, Math.round(commands / 10));
  if (contenders.includes('jvm')) buildJvmPeer(log);
  const settings = await servicesUp({ log });
  const s: Setting = { brokers: settings.kafkaBrokers, contactPoints: settings.cassandraContactPoints, localDc: settings.cassandraLocalDc };
  const kafka = newKafka(s, 'e2e-bench');
  const client = newCassandra(s);
  await client.connect();
  const loadAtStart = loadAverage();
  const startedAt = new Date().toISOString();
  try {
    // ---- the commands, produced once --------------------------------------------------
    const { accounts, transfers } = sampleCommands({ accounts: accountCount, transfers: commands, seed: SEED });
    const stamp = Date.now().toString(36);
    const topic = `e2e-commands-${commands}-${stamp}`;
    const smallTopic = `e2e-commands-${small}-${stamp}`;
    const withBacklog = contenders.includes('dendrites') && backlogRounds > 0;
    const since = Date.now();
    await produce(kafka, topic, transfers);
    if (withBacklog) await produce(kafka, smallTopic, transfers.slice(0, small));
    const until = Date.now();
    const like = transfers.map((c) => ({ from: c.data.from_account ?? '', to: c.data.to_account ?? '', amount: c.data.amount ?? 0 }));
    const expected = expectedOf(accounts, like, since, until);
    const expectedSmall = expectedOf(accounts, like.slice(0, small), since, until);

    // ---- rounds: every contender once per round, the order rotated each round -------------
    const extra = (c: ContenderName, round: number): Partial<ChildConfig> => {
      switch (c) {
        case 'dendrites':
        case 'prevent':
          return {};
        case 'baseline':
          return { concurrency: positive(args, '--baseline-partitions', 6), batchConcurrency: positive(args, '--baseline-concurrency', 64), fetch: FETCH };
        case 'baseline-defaults':
          return { concurrency: positive(args, '--baseline-partitions', 6), batchConcurrency: positive(args, '--baseline-concurrency', 64) };
        case 'jvm':
          return { concurrency: positive(args, '--jvm-concurrency', JVM_CONCURRENCY), fetch: FETCH };
        case 'ceiling':
          // Up on even rounds, down on odd ones: no level always runs first (cold) or last.
          return { levels: round % 2 === 0 ? CEILING_LEVELS : [...CEILING_LEVELS].reverse() };
      }
    };
    const runs = new Map<ContenderName, ChildResult[]>(contenders.map((c) => [c, []]));
    for (let r = 0; r < rounds; r++) {
      const order = contenders.map((_, i) => contenders[(i + r) % contenders.length]);
      log(`round ${r + 1} of ${rounds}: ${order.join(', ')}`);
      for (const c of order) runs.get(c)?.push(await runOnce(s, client, kafka, c, topic, expected, extra(c, r), profileDir));
    }

    // ---- memory against backlog: dendrites on N/10 ------------------------------------
    const smallRuns: ChildResult[] = [];
    if (withBacklog) {
      for (let r = 0; r < backlogRounds; r++) smallRuns.push(await runOnce(s, client, kafka, 'dendrites', smallTopic, expectedSmall, {}, profileDir));
    }
    const loadAtEnd = loadAverage();

    // ---- report -----------------------------------------------------------------------
    const of = (c: ContenderName): ChildResult[] => runs.get(c) ?? [];
    const st = (c: ContenderName, f: (r: ChildResult) => number | null | undefined): Stat | null => stat(of(c).map(f));
    const rate = (c: ContenderName): number | null => st(c, (r) => r.commandsPerSec)?.median ?? null;
    const cpu = (c: ContenderName): number | null => st(c, cpuPer1000)?.median ?? null;
    const p99 = (c: ContenderName): number | null => st(c, (r) => r.p99Ms)?.median ?? null;
    /** Median of the same-round ratios a / b (the runs of one round ran minutes apart, under similar load). */
    const paired = (a: ContenderName, b: ContenderName, f: (r: ChildResult) => number | null | undefined): number | null => {
      const xs = of(a);
      const ys = of(b);
      const ratios: number[] = [];
      for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
        const x = f(xs[i]);
        const y = f(ys[i]);
        if (typeof x === 'number' && typeof y === 'number' && y > 0) ratios.push(x / y);
      }
      return ratios.length === 0 ? null : round(median(ratios));
    };
    const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null || b === 0 ? null : round(a / b));
    /** Prevent mode against the default mode, when both ran: same-round ratios (median, min–max) of throughput and CPU per command. */
    const preventRatios = (): Record<string, string | number | null> | null => {
      if (!contenders.includes('prevent') || !contenders.includes('dendrites')) return null;
      const perRound = (f: (r: ChildResult) => number | null | undefined): Stat | null =>
        stat(of('prevent').map((p, i) => {
          const x = f(p);
          const y = of('dendrites')[i] === undefined ? undefined : f(of('dendrites')[i]);
          return typeof x === 'number' && typeof y === 'number' && y > 0 ? x / y : null;
        }));
      const throughput = perRound((r) => r.commandsPerSec);
      const cpuPerCommand = perRound(cpuPer1000);
      return {
        throughputRatio: throughput === null ? null : round(throughput.median),
        throughputRatioRange: fmt(throughput, 2),
        cpuPer1000Ratio: cpuPerCommand === null ? null : round(cpuPerCommand.median),
        cpuPer1000RatioRange: fmt(cpuPerCommand, 2),
      };
    };

    const rows = contenders.map((c) => ({
      contender: c,
      rate: fmt(st(c, (r) => r.commandsPerSec)),
      p50: fmt(st(c, (r) => r.p50Ms), 1),
      p99: fmt(st(c, (r) => r.p99Ms), 1),
      rss: fmt(st(c, (r) => r.peakRssMb)),
      cpu: fmt(st(c, cpuPer1000)),
      processCpu: fmt(st(c, processCpuPer1000)),
      note: of(c)[0]?.note ?? '',
    }));
    const head = ['contender', 'commands/s', 'p50 ms', 'p99 ms', 'peak RSS MB', 'CPU ms/1k cmds', 'process CPU ms/1k'];
    const cells = rows.map((r) => [r.contender, r.rate, r.p50, r.p99, r.rss, r.cpu, r.processCpu]);
    const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    const line = (xs: string[]): string => xs.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
    console.log(`e2e: ${commands.toLocaleString('en-US')} commands, ${rounds} rounds (contenders interleaved, order rotated), medians (min–max); CPU = user + system of the client process over the measured window, per 1,000 commands`);
    console.log(line(head));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const c of cells) console.log(line(c));
    for (const r of rows) console.log(`  ${r.contender}: ${r.note}`);
    for (const [i, c] of of('ceiling').entries()) {
      console.log(`  ceiling round ${i + 1}: ${(c.sweep ?? []).map((x) => `${x.concurrency}→${x.commandsPerSec}/s`).join(', ')}; best ${c.bestConcurrency}, overall ${c.overallCommandsPerSec}/s`);
    }
    const rssSmall = stat(smallRuns.map((r) => r.peakRssMb));
    const rssBig = st('dendrites', (r) => r.peakRssMb);
    if (withBacklog) console.log(`dendrites peak RSS: ${fmt(rssSmall)} MB with a ${small} backlog, ${fmt(rssBig)} MB with ${commands}`);

    // The ceiling: if dendrites measured above it in any round, it is no ceiling, and no ratio to it is printed.
    const aboveCeiling: string[] = [];
    for (const c of contenders.filter((x) => x !== 'ceiling')) {
      of(c).forEach((x, i) => {
        const ceil = of('ceiling')[i]?.commandsPerSec;
        if (ceil !== undefined && x.commandsPerSec > ceil) aboveCeiling.push(`${c} ${x.commandsPerSec}/s > ceiling ${ceil}/s in round ${i + 1}`);
      });
    }
    const dendritesAbove = aboveCeiling.some((x) => x.startsWith('dendrites '));
    const summary = {
      bench: 'e2e',
      commands,
      rounds,
      commandsPerSec: Object.fromEntries(contenders.map((c) => [c, rate(c)])),
      cpuMsPer1000: Object.fromEntries(contenders.map((c) => [c, cpu(c) === null ? null : Math.round(cpu(c) as number)])),
      p99Ms: Object.fromEntries(contenders.map((c) => [c, p99(c)])),
      peakRssMb: Object.fromEntries(contenders.map((c) => [c, st(c, (r) => r.peakRssMb)?.median ?? null])),
      ratioToBaseline: ratio(rate('dendrites'), rate('baseline')),
      pairedRatioToBaseline: paired('dendrites', 'baseline', (r) => r.commandsPerSec),
      ratioToJvm: ratio(rate('dendrites'), rate('jvm')),
      pairedRatioToJvm: paired('dendrites', 'jvm', (r) => r.commandsPerSec),
      ratioToCeiling: dendritesAbove ? null : ratio(rate('dendrites'), rate('ceiling')),
      pairedRatioToCeiling: dendritesAbove ? null : paired('dendrites', 'ceiling', (r) => r.commandsPerSec),
      ceilingIsNotACeiling: aboveCeiling.length > 0 ? aboveCeiling : null,
      cpuRatioToBaseline: ratio(cpu('dendrites'), cpu('baseline')),
      preventToDefault: preventRatios(),
      cpuRatioToJvm: ratio(cpu('dendrites'), cpu('jvm')),
      p99RatioToBaseline: ratio(p99('dendrites'), p99('baseline')),
      pairedP99RatioToBaseline: paired('dendrites', 'baseline', (r) => r.p99Ms),
      rssGrowthBacklog10x: rssBig !== null && rssSmall !== null ? round(rssBig.median / rssSmall.median) : null,
      load: { start: loadAtStart, end: loadAtEnd },
    };
    if (summary.preventToDefault !== null) {
      const p = summary.preventToDefault;
      console.log(`prevent / dendrites (same round, median (min–max) of ${rounds}): throughput ${p.throughputRatioRange}, client CPU per 1,000 commands ${p.cpuPer1000RatioRange}`);
    }
    const targets = targetLines(summary);
    for (const t of targets) console.log(t);
    const machine = { nproc: cpus().length, memoryGb: round(totalmem() / 2 ** 30, 1), cpu: cpus()[0]?.model ?? 'unknown' };
    if (only === undefined) {
      const servers = await serverVersions(client);
      writeE2eSection({
        date: startedAt,
        command: `npm run bench -- e2e ${args.join(' ')}`.trim(),
        commands,
        rounds,
        machine,
        load: summary.load,
        versions: { ...versions(), ...servers },
        rows,
        ceilingRounds: of('ceiling').map((c) => `${(c.sweep ?? []).map((x) => `${x.concurrency}→${x.commandsPerSec}`).join(', ')} (best ${c.bestConcurrency}, overall ${c.overallCommandsPerSec}/s)`),
        backlog: withBacklog ? `dendrites peak RSS ${fmt(rssSmall)} MB with a ${small.toLocaleString('en-US')} backlog, ${fmt(rssBig)} MB with ${commands.toLocaleString('en-US')} (×${summary.rssGrowthBacklog10x ?? '–'})` : undefined,
        targets,
      });
      log('wrote the e2e section of bench/RESULTS.md');
    }
    console.log(JSON.stringify(summary));
    await deleteTopics(kafka, withBacklog ? [topic, `${topic}-dead-letter`, smallTopic, `${smallTopic}-dead-letter`] : [topic, `${topic}-dead-letter`]);
  } finally {
    await client.shutdown();
  }
}

function loadAverage(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');
}

interface Summary {
  readonly ratioToBaseline: number | null;
  readonly pairedRatioToBaseline: number | null;
  readonly ratioToJvm: number | null;
  readonly pairedRatioToJvm: number | null;
  readonly ratioToCeiling: number | null;
  readonly pairedRatioToCeiling: number | null;
  readonly ceilingIsNotACeiling: readonly string[] | null;
  readonly cpuRatioToBaseline: number | null;
  readonly cpuRatioToJvm: number | null;
  readonly p99RatioToBaseline: number | null;
  readonly pairedP99RatioToBaseline: number | null;
}

/** One line per target: the figure, the target, met or missed and by how much. */
function targetLines(s: Summary): string[] {
  const out: string[] = [];
  const atLeast = (what: string, x: number | null, target: number, pairedX: number | null): void => {
    if (x === null) return;
    const verdict = x >= target ? 'met' : `MISSED by ${Math.round((1 - x / target) * 100)}%`;
    out.push(`target ${what} ≥ ${target}: ${x}${pairedX === null ? '' : ` (same-round median ${pairedX})`} — ${verdict}`);
  };
  const atMost = (what: string, x: number | null, target: number, pairedX: number | null = null): void => {
    if (x === null) return;
    const verdict = x <= target ? 'met' : `MISSED by ${Math.round((x / target - 1) * 100)}%`;
    out.push(`target ${what} ≤ ${target}: ${x}${pairedX === null ? '' : ` (same-round median ${pairedX})`} — ${verdict}`);
  };
  atLeast('throughput dendrites / baseline', s.ratioToBaseline, 1.0, s.pairedRatioToBaseline);
  atLeast('throughput dendrites / jvm', s.ratioToJvm, 0.9, s.pairedRatioToJvm);
  if (s.ceilingIsNotACeiling !== null && s.ratioToCeiling === null) {
    out.push(`target throughput dendrites / ceiling ≥ 0.8: the ceiling is not a ceiling (${s.ceilingIsNotACeiling.join('; ')})`);
  } else {
    atLeast('throughput dendrites / ceiling', s.ratioToCeiling, 0.8, s.pairedRatioToCeiling);
    if (s.ceilingIsNotACeiling !== null) out.push(`note: the ceiling is not a ceiling for every contender: ${s.ceilingIsNotACeiling.join('; ')}`);
  }
  atMost('client CPU per command dendrites / baseline', s.cpuRatioToBaseline, 1.0);
  atMost('client CPU per command dendrites / jvm', s.cpuRatioToJvm, 1.5);
  atMost('p99 latency dendrites / baseline (equal fetch bounds)', s.p99RatioToBaseline, 1.0, s.pairedP99RatioToBaseline);
  return out;
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
