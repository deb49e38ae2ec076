import type { Wakeup } from '../core/wakeup.js';

/**
 * Waits until `ready()` holds, re-checking at each wake-up; throws an Error saying what was
 * expected when `timeoutMs` pass first. A probe's expectation fails clearly instead of
 * hanging until the test's own timeout.
 */
export async function expectWithin(wakeup: Wakeup, ready: () => boolean, timeoutMs: number, expected: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ready()) {
    const left = deadline - performance.now();
    if (left <= 0) throw new Error(`${expected} within ${timeoutMs} ms`);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([wakeup.wait(), new Promise<void>((resolve) => (timer = setTimeout(resolve, left)))]);
    clearTimeout(timer);
  }
}
