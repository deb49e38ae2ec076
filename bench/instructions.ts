// The core benchmark counted in instructions instead of time:
//   npm run bench -- instructions [--only dendrites,fused] [--elements N]
// Our machines are shared and their speed drifts by tens of per cent within minutes, so a
// timed A/B of a small engine change needs many rounds. An instruction count does not drift:
// each contender runs under valgrind (cachegrind, no cache simulation) and `node --predictable
// --predictable-gc-schedule` (no background compiler or GC threads; heap growth and GC timing
// fixed instead of following the clock). On an otherwise idle machine a process gives the same
// count to within 0.2% run after run, and the per-pass figure repeats within about 1%; with other
// work on the machine it moved by up to 5%, so run it alone and compare runs of the same day.
// It does not see memory stalls, so the time benchmark (`core`) stays the one the targets are
// measured by; this one shows what a change did to the work.
// Per contender: two processes of bench/core.ts's child, 3 warm-up passes and then 1 or 5
// measured passes; a quarter of the difference is one steady-state pass. Needs valgrind.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { option, positive } from './core.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Three levels below the root, as src/connectors/avro/ is: the bundle reads schemas/ at the same relative path.
const bundle = resolve(root, 'bench/.build/core/core.mjs');
const WARMUP = 3;
const FEW = 1;
const MANY = 5;

/** Instructions of one process: the contender's child, `measured` passes after the warm-up. */
function count(contender: string, elements: number, measured: number): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const args = ['--tool=cachegrind', '--cache-sim=no', '--smc-check=all-non-file', '--cachegrind-out-file=/dev/null'];
    // --probe 0: no untimed in-flight pass (it would only add the same count to both processes).
    args.push(process.execPath, '--predictable', '--predictable-gc-schedule', bundle, '--contender', contender, '--elements', String(elements), '--probe', '0');
    args.push('--warmup-passes', String(WARMUP), '--measured-passes', String(measured));
    const proc = spawn('valgrind', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (s: string) => (out += s));
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (s: string) => (err += s));
    proc.on('error', reject);
    proc.on('close', (code) => {
      const refs = /I\s+refs:\s+([\d,]+)/.exec(err)?.[1];
      // The child prints its sample last: without it, the count is of something else.
      if (code !== 0 || refs === undefined || !out.includes(`"contender":"${contender}"`)) {
        return reject(new Error(`${contender} under valgrind exited with ${code}:\n${out.slice(-1000)}${err.slice(-2000)}`));
      }
      resolvePromise(Number(refs.replaceAll(',', '')));
    });
  });
}

export async function runInstructions(args: readonly string[]): Promise<void> {
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    console.error('bench instructions needs valgrind (Debian: apt-get install valgrind)');
    process.exitCode = 2;
    return;
  }
  const elements = positive(args, '--elements', 1_000_000);
  const contenders = (option(args, '--only') ?? 'dendrites,fused').split(',');

  mkdirSync(dirname(bundle), { recursive: true });
  await build({ entryPoints: [resolve(root, 'bench/core.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: bundle, logLevel: 'warning' });

  console.log(`core, in instructions: ${elements.toLocaleString('en-US')} elements; per contender 2 processes under valgrind (${WARMUP} warm-up passes, then ${FEW} or ${MANY})`);
  const perPass: Record<string, number> = {};
  for (const name of contenders) {
    const [few, many] = await Promise.all([count(name, elements, FEW), count(name, elements, MANY)]);
    perPass[name] = Math.round((many - few) / (MANY - FEW) / 1e5) / 10; // millions, one decimal
    console.log(`  ${name.padEnd(17)} ${perPass[name].toFixed(1).padStart(9)} M instructions per pass`);
  }
  const ratio = (a: string, b: string): number | null =>
    perPass[a] === undefined || perPass[b] === undefined ? null : Math.round((perPass[b] / perPass[a]) * 1000) / 1000;
  // As in `core`, a ratio above 1 means dendrites does less (here: fewer instructions).
  console.log(JSON.stringify({ bench: 'core-instructions', elements, instructionsPerPassM: perPass, ratioToFused: ratio('dendrites', 'fused') }));
}
