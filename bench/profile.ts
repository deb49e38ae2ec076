// Summarizes V8 CPU profiles (`node --cpu-prof`, as `--profile DIR` of the core and e2e benchmarks
// writes them): the top functions by self time, and self time by where the code lives.
//   npm run bench -- profile <file.cpuprofile | dir> [--top N]
// Several files (a directory) are added up. Percentages are of the busy time: every sample but
// "(idle)" (the process waiting for I/O or timers).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

function files(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(path, f));
}

/** Where a function lives: the package under node_modules, the repository folder (src/core, …), node's internals, or V8's pseudo-frames. */
function place(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native / V8 builtins)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    return `node_modules/${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (path.startsWith('node:')) return 'node internals';
  if (path.startsWith(root)) {
    const parts = relative(root, path).split('/');
    return parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  return path;
}

export function summarize(paths: readonly string[], top = 25): string[] {
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let count = 0;
  for (const file of paths.flatMap(files)) {
    const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    count++;
    const frames = new Map<number, CallFrame>(p.nodes.map((n) => [n.id, n.callFrame]));
    for (let i = 0; i < p.samples.length; i++) {
      const f = frames.get(p.samples[i]);
      const us = p.timeDeltas[i] ?? 0;
      if (f === undefined) continue;
      if (f.functionName === '(idle)') {
        idle += us;
        continue;
      }
      total += us;
      const where = place(f.url, f.functionName);
      const file = f.url === '' ? '' : ` ${f.url.replace(/^file:\/\//, '').replace(`${root}/`, '').replace(/^.*\/node_modules\//, '')}:${f.lineNumber + 1}`;
      const key = `${f.functionName || '(anonymous)'}${file}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + us);
      byPlace.set(where, (byPlace.get(where) ?? 0) + us);
    }
  }
  const ms = (us: number): string => (us / 1000).toFixed(0).padStart(7);
  const pct = (us: number): string => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
  const out = [`${count} profile(s): busy ${ms(total).trim()} ms, idle ${ms(idle).trim()} ms`, 'self time by place:'];
  for (const [k, v] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, 15)) out.push(`  ${ms(v)} ms ${pct(v)}  ${k}`);
  out.push(`top ${top} functions by self time:`);
  for (const [k, v] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) out.push(`  ${ms(v)} ms ${pct(v)}  ${k}`);
  return out;
}

export function runProfile(args: readonly string[]): void {
  const i = args.indexOf('--top');
  const top = i >= 0 ? Number(args[i + 1]) : 25;
  const paths = args.filter((a, j) => !a.startsWith('--') && (i < 0 || j !== i + 1));
  if (paths.length === 0) {
    console.error('usage: npm run bench -- profile <file.cpuprofile | dir> [--top N]');
    process.exitCode = 2;
    return;
  }
  for (const line of summarize(paths, top)) console.log(line);
}
