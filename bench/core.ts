// The "core" benchmark: one in-memory pipeline, seven ways, two workloads (see bench/peers/workload.ts).
//   npm run bench -- core [--workload cpu|io|all] [--elements N] [--io-elements N] [--runs R]
//                         [--warmup-passes W] [--measured-passes M] [--only a,b] [--profile DIR]
// --profile DIR: every child profiles its measured passes only (V8's sampling profiler through
// node:inspector, 200 µs interval; no in-flight pass) into DIR/<workload>/<contender>-<pid>.cpuprofile
// (summarize with `npm run bench -- profile DIR/cpu --top 30`, or one contender's files).
// Each measurement runs in a fresh child process (`--contender X`), so JIT and GC state
// and peak RSS belong to one contender; the parent interleaves contenders round by round.
// Every contender keeps at most IN_FLIGHT elements in flight; each child measures how many
// it actually held in an untimed pass after the timed ones, and the report prints it.
// The io workload's sink makes a TCP round trip per element to an echo server that this
// (parent) process serves on the loopback interface, SINK_PARALLELISM_IO calls in flight.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { connect, createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AsyncSink, check, type Contender, EchoConnection, EchoSink, IN_FLIGHT, InFlightProbe, makeCommands, type Sink } from './peers/workload.js';

// Loaded lazily: a child process imports only its own contender (its RSS stays its own).
const CONTENDERS: Readonly<Record<string, () => Promise<Contender>>> = {
  dendrites: async () => (await import('./peers/dendrites.js')).dendrites,
  chunked: async () => (await import('./peers/chunked.js')).chunked,
  'async-generators': async () => (await import('./peers/async-generators.js')).asyncGenerators,
  'node-streams': async () => (await import('./peers/node-streams.js')).nodeStreams,
  rxjs: async () => (await import('./peers/rxjs.js')).rxjs,
  effect: async () => (await import('./peers/effect.js')).effect,
  fused: async () => (await import('./peers/fused.js')).fused,
};
const PEERS = ['chunked', 'async-generators', 'node-streams', 'rxjs', 'effect'] as const;

type Workload = 'cpu' | 'io';
/** Sink calls in flight in the io workload. */
const SINK_PARALLELISM_IO = 8;
const parallelismOf = (w: Workload): number => (w === 'io' ? SINK_PARALLELISM_IO : 1);

function workloadOf(args: readonly string[]): Workload {
  const w = option(args, '--workload') ?? 'cpu';
  if (w !== 'cpu' && w !== 'io') throw new Error(`--workload must be cpu or io, got ${w}`);
  return w;
}

/** Passes over the data in one process: `warmup` untimed, then `measured` timed as one block. */
interface Passes {
  readonly warmup: number;
  readonly measured: number;
}

function passesOf(args: readonly string[]): Passes {
  return { warmup: positive(args, '--warmup-passes', 3), measured: positive(args, '--measured-passes', 3) };
}

interface Sample {
  readonly contender: string;
  readonly workload: Workload;
  readonly elements: number;
  /** Wall time per measured pass. */
  readonly ms: number;
  readonly elementsPerSec: number;
  /** User + system CPU time per measured pass (less exposed to a shared machine than wall time). */
  readonly cpuMs: number;
  readonly peakRssMb: number;
  /** Wall time of every pass, warm-up ones first (they show when a contender reaches steady state). */
  readonly passMs: readonly number[];
  /** The most source elements in flight, measured in an untimed pass after the timed ones (null: not measured). */
  readonly maxInFlight: number | null;
}

export function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  const prefixed = args.find((a) => a.startsWith(`${name}=`));
  return prefixed?.slice(name.length + 1);
}

export function positive(args: readonly string[], name: string, fallback: number): number {
  const raw = option(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
}

// ---- child: one contender, one process ----------------------------------------------

async function child(name: string, workload: Workload, elements: number, passes: Passes, args: readonly string[]): Promise<Sample> {
  const load = CONTENDERS[name];
  if (load === undefined) throw new Error(`unknown contender ${name}; one of ${Object.keys(CONTENDERS).join(', ')}`);
  const contender = await load();
  const data = makeCommands(elements);
  const parallelism = parallelismOf(workload);
  let connection: EchoConnection | undefined;
  if (workload === 'io') {
    const port = Number(option(args, '--echo-port'));
    if (!Number.isInteger(port) || port < 1) throw new Error('the io workload needs --echo-port (the parent serves the echo)');
    connection = await new Promise<EchoConnection>((resolvePromise, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolvePromise(new EchoConnection(socket)));
      socket.once('error', reject);
    });
  }
  const newSink = (): Sink => (connection === undefined ? new AsyncSink() : new EchoSink(connection));
  // Warm-up passes over the same data first, so the measured passes run optimised code with a
  // grown heap (steady state, as a long-running stream would be). Then several passes timed as
  // one block: a major GC lands in one pass or another, and a block shares it out fairly.
  const passMs: number[] = [];
  let cpu = process.cpuUsage();
  let started = performance.now();
  const profileDir = option(args, '--cpu-profile-dir');
  const session = profileDir === undefined ? undefined : new Session();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolvePromise, reject) => session?.post(method, params, (error, result) => (error === null ? resolvePromise(result) : reject(error))));
  for (let pass = 0; pass < passes.warmup + passes.measured; pass++) {
    if (pass === passes.warmup) {
      if (session !== undefined) {
        session.connect();
        await post('Profiler.enable');
        await post('Profiler.setSamplingInterval', { interval: 200 });
        await post('Profiler.start');
      }
      cpu = process.cpuUsage();
      started = performance.now();
    }
    const t = performance.now();
    const outcome = await contender(data, newSink(), parallelism);
    passMs.push(performance.now() - t);
    check(name, elements, outcome);
  }
  const ms = (performance.now() - started) / passes.measured;
  const cpuUsed = process.cpuUsage(cpu);
  if (session !== undefined && profileDir !== undefined) {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    session.disconnect();
    mkdirSync(profileDir, { recursive: true });
    writeFileSync(resolve(profileDir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(profile));
  }
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  // Untimed, after the timed passes: how many elements the contender really holds in flight.
  let maxInFlight: number | null = null;
  if (option(args, '--probe') !== '0') {
    const probe = new InFlightProbe(data);
    check(name, elements, await contender(probe.data, probe.sink(newSink()), parallelism));
    maxInFlight = probe.maxInFlight();
  }
  connection?.close();
  return {
    contender: name,
    workload,
    elements,
    ms,
    elementsPerSec: (elements / ms) * 1000,
    cpuMs: (cpuUsed.user + cpuUsed.system) / 1000 / passes.measured,
    peakRssMb,
    passMs,
    maxInFlight,
  };
}

// ---- parent: spawn, interleave, report ---------------------------------------------

const self = fileURLToPath(import.meta.url);

function spawnOne(name: string, workload: Workload, elements: number, passes: Passes, echoPort: number | undefined, profileDir: string | undefined): Promise<Sample> {
  const args = ['--contender', name, '--workload', workload, '--elements', String(elements), '--warmup-passes', String(passes.warmup), '--measured-passes', String(passes.measured)];
  if (echoPort !== undefined) args.push('--echo-port', String(echoPort));
  if (profileDir !== undefined) args.push('--cpu-profile-dir', resolve(profileDir, workload), '--probe', '0');
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', self, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (s: string) => (out += s));
    proc.on('error', reject);
    proc.on('close', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return reject(new Error(`${name} exited with ${code}: ${out}`));
      try {
        resolvePromise(JSON.parse(line) as Sample);
      } catch (error) {
        reject(new Error(`${name}: no JSON line in ${JSON.stringify(out)}`, { cause: error }));
      }
    });
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** An echo server on the loopback interface for the io workload's children. */
async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (bytes) => socket.write(bytes));
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('echo server: no port');
  return { server, port: address.port };
}

export async function runCore(args: readonly string[]): Promise<void> {
  const which = option(args, '--workload') ?? 'all';
  if (!['cpu', 'io', 'all'].includes(which)) throw new Error(`--workload must be cpu, io or all, got ${which}`);
  const workloads: Workload[] = which === 'all' ? ['cpu', 'io'] : [which as Workload];
  const results: unknown[] = [];
  for (const workload of workloads) results.push(await runWorkload(args, workload));
  for (const r of results) console.log(JSON.stringify(r));
}

async function runWorkload(args: readonly string[], workload: Workload): Promise<unknown> {
  const elements = workload === 'io' ? positive(args, '--io-elements', 100_000) : positive(args, '--elements', 1_000_000);
  const runs = positive(args, '--runs', 5);
  const passes = passesOf(args);
  const only = option(args, '--only')?.split(',');
  const names = Object.keys(CONTENDERS).filter((n) => only === undefined || only.includes(n));
  const samples = new Map<string, Sample[]>(names.map((n) => [n, []]));
  const echo = workload === 'io' ? await echoServer() : undefined;
  const parallelism = parallelismOf(workload);
  console.log(
    `core, workload ${workload}: ${elements.toLocaleString('en-US')} elements; ` +
      (workload === 'cpu' ? 'the sink awaits a resolved promise per element, one call at a time' : `the sink makes a loopback TCP round trip per element, ${parallelism} calls in flight`) +
      `; 1 warm-up round + ${runs} measured rounds, contenders interleaved; each a process: ${passes.warmup} warm-up passes, then ${passes.measured} measured`,
  );
  console.log(
    `bound on elements in flight, every contender: ${IN_FLIGHT.toLocaleString('en-US')} (taken from the source, not yet done by both branches` +
      `${parallelism > 1 ? `; plus the sink's ${parallelism} calls in flight` : ''}); the fused loop holds 1${parallelism > 1 ? ` (+${parallelism})` : ''}. "max in flight" is measured in an untimed pass.`,
  );
  try {
    for (let round = 0; round <= runs; round++) {
      const line: string[] = [];
      for (const name of names) {
        const s = await spawnOne(name, workload, elements, passes, echo?.port, option(args, '--profile'));
        if (round > 0) samples.get(name)?.push(s);
        line.push(`${name} ${Math.round(s.elementsPerSec / 1000)}k/s`);
      }
      console.log(`  ${round === 0 ? 'warm-up ' : `round ${round}`}: ${line.join('  ')}`);
    }
  } finally {
    echo?.server.close();
  }

  const eps: Record<string, number> = {};
  const rss: Record<string, number> = {};
  const inFlight: Record<string, number | null> = {};
  const rows: string[][] = [['contender', 'elements/s (median)', 'min', 'max', 'ms per pass (median)', 'CPU ms per pass', 'peak RSS MB', 'max in flight', 'vs dendrites']];
  for (const name of names) {
    const list = samples.get(name) ?? [];
    eps[name] = Math.round(median(list.map((s) => s.elementsPerSec)));
    rss[name] = Math.round(median(list.map((s) => s.peakRssMb)));
    const measured = list.map((s) => s.maxInFlight).filter((x): x is number => x !== null);
    inFlight[name] = measured.length === 0 ? null : Math.max(...measured);
  }
  for (const name of names) {
    const list = samples.get(name) ?? [];
    const e = list.map((s) => s.elementsPerSec);
    rows.push([
      name,
      eps[name].toLocaleString('en-US'),
      Math.round(Math.min(...e)).toLocaleString('en-US'),
      Math.round(Math.max(...e)).toLocaleString('en-US'),
      median(list.map((s) => s.ms)).toFixed(workload === 'io' ? 1 : 0),
      median(list.map((s) => s.cpuMs)).toFixed(workload === 'io' ? 1 : 0),
      String(rss[name]),
      inFlight[name] === null ? '-' : String(inFlight[name]),
      eps.dendrites === undefined ? '-' : (eps[name] / eps.dendrites).toFixed(2),
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const [i, r] of rows.entries()) {
    console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  console.log('ms per pass in a process (medians over rounds): warm-up passes | measured passes');
  for (const name of names) {
    const list = samples.get(name) ?? [];
    const perPass = (p: number): string => median(list.map((s) => s.passMs[p])).toFixed(workload === 'io' ? 1 : 0);
    const warm = Array.from({ length: passes.warmup }, (_, p) => perPass(p));
    const measured = Array.from({ length: passes.measured }, (_, p) => perPass(passes.warmup + p));
    console.log(`  ${name.padEnd(widths[0])}  ${warm.join(' ')} | ${measured.join(' ')}`);
  }
  // Same-round ratios: contenders of one round ran back to back, under the same load,
  // so the median of per-round ratios is less exposed to a noisy machine than a ratio of medians.
  const perRound = (a: string, b: string): number | null => {
    const xs = samples.get(a);
    const ys = samples.get(b);
    if (xs === undefined || ys === undefined || xs.length === 0) return null;
    return round2(median(xs.map((x, i) => x.elementsPerSec / ys[i].elementsPerSec)));
  };
  // The same comparisons in CPU time per pass (user + system): less exposed to other work on
  // the machine than wall time, though not immune (shared caches, frequency). Above 1: dendrites uses less.
  const cpuPerPass: Record<string, number> = {};
  for (const name of names) cpuPerPass[name] = median((samples.get(name) ?? []).map((s) => s.cpuMs));
  const cheapestPeer = PEERS.filter((p) => cpuPerPass[p] !== undefined).sort((a, b) => cpuPerPass[a] - cpuPerPass[b])[0];
  const peers = PEERS.filter((p) => eps[p] !== undefined);
  const bestPeer = peers.length > 0 ? Math.max(...peers.map((p) => eps[p])) : undefined;
  const fastestPeer = peers.find((p) => eps[p] === bestPeer) ?? null;
  return {
    bench: 'core',
    workload,
    elements,
    runs,
    passes,
    sinkParallelism: parallelism,
    inFlightBound: IN_FLIGHT,
    elementsPerSec: eps,
    fastestPeer,
    ratioToFastestPeer: eps.dendrites !== undefined && bestPeer !== undefined ? round2(eps.dendrites / bestPeer) : null,
    ratioToFused: eps.dendrites !== undefined && eps.fused !== undefined ? round2(eps.dendrites / eps.fused) : null,
    peakRssMb: rss,
    maxInFlight: inFlight,
    pairedRatioToFused: perRound('dendrites', 'fused'),
    pairedRatioToFastestPeer: fastestPeer === null ? null : perRound('dendrites', fastestPeer),
    cpuMsPerPass: Object.fromEntries(names.map((n) => [n, Math.round(cpuPerPass[n])])),
    cpuRatioToFused: cpuPerPass.dendrites !== undefined && cpuPerPass.fused !== undefined ? round2(cpuPerPass.fused / cpuPerPass.dendrites) : null,
    cpuRatioToCheapestPeer: cpuPerPass.dendrites !== undefined && cheapestPeer !== undefined ? round2(cpuPerPass[cheapestPeer] / cpuPerPass.dendrites) : null,
    cheapestPeer: cheapestPeer ?? null,
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === self) {
  const args = process.argv.slice(2);
  const name = option(args, '--contender');
  if (name !== undefined) {
    const sample = await child(name, workloadOf(args), positive(args, '--elements', 1_000_000), passesOf(args), args);
    console.log(JSON.stringify(sample));
  } else {
    await runCore(args);
  }
}
