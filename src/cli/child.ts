/** The command graph in a child process (`dendrites run`), so the demo can kill it for real. */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface GraphChild {
  readonly process: ChildProcess;
  /** Deliveries each branch has written, as last reported. */
  readonly progress: { service: number; log: number };
  /** Resolves with the exit code (or the signal's name) when the child ends. */
  readonly exited: Promise<number | string>;
}

/** This CLI's entry file, next to this module (main.ts under tsx, main.js when built). */
function entry(): string {
  const self = fileURLToPath(import.meta.url);
  return self.replace(/child\.(ts|js)$/, 'main.$1');
}

/** Forks `dendrites run ...args` with an IPC channel for its progress. */
export function startGraphChild(args: readonly string[]): GraphChild {
  const child = fork(entry(), ['run', ...args], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const progress = { service: 0, log: 0 };
  child.on('message', (m: unknown) => {
    if (typeof m === 'object' && m !== null && 'type' in m && m.type === 'progress' && 'service' in m && 'log' in m) {
      progress.service = Number(m.service);
      progress.log = Number(m.log);
    }
  });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { process: child, progress, exited };
}
