// A tiny cross-process lock file so concurrent `up`s (e.g. parallel test runs) start servers once.
import fs from 'node:fs';
import path from 'node:path';
import { isAlive, readPid, ServicesError, sleep } from './proc.js';

export async function withLock<T>(file: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readPid(file);
      const young = Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 5000;
      if (holder === undefined ? !young : !isAlive(holder)) {
        fs.rmSync(file, { force: true }); // stale
        continue;
      }
      if (Date.now() > deadline) throw new ServicesError(`timed out waiting for ${file} (held by pid ${holder})`);
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}
