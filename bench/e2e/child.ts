// One contender in one process: `node --import tsx bench/e2e/child.ts '<ChildConfig JSON>'`.
// Prints one JSON line (a ChildResult) last on stdout. Each contender's module is loaded
// only in its own process, so its peak RSS is its own.
import type { ChildConfig, ChildResult } from './common.js';

const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;

// Diagnostics: E2E_MEMLOG=1 prints the process's memory (MB) to stderr every second.
if (process.env.E2E_MEMLOG === '1') {
  const mb = (n: number): number => Math.round(n / 2 ** 20);
  setInterval(() => {
    const m = process.memoryUsage();
    process.stderr.write(`[mem ${config.contender}] rss ${mb(m.rss)} heapTotal ${mb(m.heapTotal)} heapUsed ${mb(m.heapUsed)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)}\n`);
  }, 1000).unref();
}

async function main(): Promise<ChildResult> {
  switch (config.contender) {
    case 'dendrites':
    case 'prevent':
      return (await import('./dendrites.js')).runDendrites(config);
    case 'baseline':
    case 'baseline-defaults':
      return (await import('./baseline.js')).runBaseline(config);
    case 'ceiling':
      return (await import('./ceiling.js')).runCeiling(config);
    default:
      throw new Error(`unknown contender ${String(config.contender)}`);
  }
}

try {
  const result = await main();
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ ...result, cpuMs: Math.round((cpu.user + cpu.system) / 1000) })}\n`);
  process.exit(0);
} catch (error) {
  console.error(error);
  process.exit(1);
}
