// The "core" benchmark: one in-memory pipeline, six ways (see bench/peers/workload.ts).
//   npm run bench -- core [--elements N] [--runs R] [--warmup-passes W] [--measured-passes M] [--only a,b]
// Each measurement runs in a fresh child process (`--contender X`), so JIT and GC state
// and peak RSS belong to one contender; the parent interleaves contenders round by round.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check, type Contender, makeCommands } from './peers/workload.js';

// Loaded lazily: a child process imports only its own contender (its RSS stays its own).
const CONTENDERS: Readonly<Record<string, () => Promise<Contender>>> = {
  dendrites: async () => (await import('./peers/dendrites.js')).dendrites,
  'async-generators': async () => (await import('./peers/async-generators.js')).asyncGenerators,
  'node-streams': async () => (await import('./peers/node-streams.js')).nodeStreams,
  rxjs: async () => (await import('./peers/rxjs.js')).rxjs,
  effect: async () => (await import('./peers/effect.js')).effect,
  fused: async () => (await import('./peers/fused.js')).fused,
};
const PEERS = ['async-generators', 'node-streams', 'rxjs', 'effect'] as const;

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
  readonly elements: number;
  /** Wall time per measured pass. */
  readonly ms: number;
  readonly elementsPerSec: number;
  /** User + system CPU time per measured pass (less exposed to a shared machine than wall time). */
  readonly cpuMs: number;
  readonly peakRssMb: number;
  /** Wall time of every pass, warm-up ones first (they show when a contender reaches steady state). */
  readonly passMs: readonly number[];
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

async function child(name: string, elements: number, passes: Passes): Promise<Sample> {
  const load = CONTENDERS[name];
  if (load === undefined) throw new Error(`unknown contender ${name}; one of ${Object.keys(CONTENDERS).join(', ')}`);
  const contender = await load();
  const data = makeCommands(elements);
  // Warm-up passes over the same data first, so the measured passes run optimised code with a
  // grown heap (steady state, as a long-running stream would be). Then several passes timed as
  // one block: a major GC lands in one pass or another, and a block shares it out fairly.
  const passMs: number[] = [];
  let cpu = process.cpuUsage();
  let started = performance.now();
  for (let pass = 0; pass < passes.warmup + passes.measured; pass++) {
    if (pass === passes.warmup) {
      cpu = process.cpuUsage();
      started = performance.now();
    }
    const t = performance.now();
    const outcome = await contender(data);
    passMs.push(performance.now() - t);
    check(name, elements, outcome);
  }
  const ms = (performance.now() - started) / passes.measured;
  const cpuUsed = process.cpuUsage(cpu);
  return {
    contender: name,
    elements,
    ms,
    elementsPerSec: (elements / ms) * 1000,
    cpuMs: (cpuUsed.user + cpuUsed.system) / 1000 / passes.measured,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    passMs,
  };
}

// ---- parent: spawn, interleave, report ---------------------------------------------

const self = fileURLToPath(import.meta.url);

function spawnOne(name: string, elements: number, passes: Passes): Promise<Sample> {
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', self, '--contender', name, '--elements', String(elements), '--warmup-passes', String(passes.warmup), '--measured-passes', String(passes.measured)], {
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

export async function runCore(args: readonly string[]): Promise<void> {
  const elements = positive(args, '--elements', 1_000_000);
  const runs = positive(args, '--runs', 5);
  const passes = passesOf(args);
  const only = option(args, '--only')?.split(',');
  const names = Object.keys(CONTENDERS).filter((n) => only === undefined || only.includes(n));
  const samples = new Map<string, Sample[]>(names.map((n) => [n, []]));
  console.log(`core: ${elements.toLocaleString('en-US')} elements, 1 warm-up round + ${runs} measured rounds, contenders interleaved; each a process: ${passes.warmup} warm-up passes, then ${passes.measured} measured`);
  for (let round = 0; round <= runs; round++) {
    const line: string[] = [];
    for (const name of names) {
      const s = await spawnOne(name, elements, passes);
      if (round > 0) samples.get(name)?.push(s);
      line.push(`${name} ${Math.round(s.elementsPerSec / 1000)}k/s`);
    }
    console.log(`  ${round === 0 ? 'warm-up ' : `round ${round}`}: ${line.join('  ')}`);
  }

  const eps: Record<string, number> = {};
  const rss: Record<string, number> = {};
  const rows: string[][] = [['contender', 'elements/s (median)', 'min', 'max', 'ms per pass (median)', 'CPU ms per pass', 'peak RSS MB', 'vs dendrites']];
  for (const name of names) {
    const list = samples.get(name) ?? [];
    eps[name] = Math.round(median(list.map((s) => s.elementsPerSec)));
    rss[name] = Math.round(median(list.map((s) => s.peakRssMb)));
  }
  for (const name of names) {
    const list = samples.get(name) ?? [];
    const e = list.map((s) => s.elementsPerSec);
    rows.push([
      name,
      eps[name].toLocaleString('en-US'),
      Math.round(Math.min(...e)).toLocaleString('en-US'),
      Math.round(Math.max(...e)).toLocaleString('en-US'),
      median(list.map((s) => s.ms)).toFixed(0),
      median(list.map((s) => s.cpuMs)).toFixed(0),
      String(rss[name]),
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
    const perPass = (p: number): string => median(list.map((s) => s.passMs[p])).toFixed(0);
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
  const peers = PEERS.filter((p) => eps[p] !== undefined);
  const bestPeer = peers.length > 0 ? Math.max(...peers.map((p) => eps[p])) : undefined;
  const result = {
    bench: 'core',
    elements,
    runs,
    passes,
    elementsPerSec: eps,
    ratioToFastestPeer: eps.dendrites !== undefined && bestPeer !== undefined ? round2(eps.dendrites / bestPeer) : null,
    ratioToFused: eps.dendrites !== undefined && eps.fused !== undefined ? round2(eps.dendrites / eps.fused) : null,
    peakRssMb: rss,
    pairedRatioToFused: perRound('dendrites', 'fused'),
    pairedRatioToFastestPeer:
      bestPeer === undefined ? null : perRound('dendrites', peers.find((p) => eps[p] === bestPeer) ?? 'rxjs'),
  };
  console.log(JSON.stringify(result));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === self) {
  const args = process.argv.slice(2);
  const name = option(args, '--contender');
  if (name !== undefined) {
    const sample = await child(name, positive(args, '--elements', 1_000_000), passesOf(args));
    console.log(JSON.stringify(sample));
  } else {
    await runCore(args);
  }
}
