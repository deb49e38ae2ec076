import { describe, expect, it } from 'vitest';
import { forEach, StageFailedError } from 'dendrites';
import { probeSource } from '../../src/testkit/index.js';
import { sleep } from '../core/fixtures.js';

describe('forEach', () => {
  it.each([1, 4])('fails the run as soon as a call fails, while the upstream is idle (parallelism %i)', async (parallelism) => {
    const probe = probeSource<number>();
    const calls: number[] = [];
    const handle = probe.source.runWith(
      forEach(
        async (n: number, { signal }) => {
          calls.push(n);
          if (n === 2) throw new Error('the branch failed');
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        },
        { parallelism },
      ).named('custom-branch'),
    );
    await probe.expectRequest();
    probe.sendNext(...(parallelism === 1 ? [2] : [1, 2]));
    // No more elements and no completion: the upstream is idle, as on a quiet topic.
    const started = Date.now();
    const error: unknown = await handle.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StageFailedError);
    expect((error as StageFailedError).stage).toBe('custom-branch');
    expect((error as Error).message).toMatch(/the branch failed/);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await probe.cancelled).toBeDefined();
    expect(calls).toEqual(parallelism === 1 ? [2] : [1, 2]);
  });

  it('at parallelism > 1, calls overlap up to the bound and each element is processed once', async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    const probe = probeSource<number>();
    const handle = probe.source.runWith(
      forEach(
        async (n: number) => {
          inFlight++;
          most = Math.max(most, inFlight);
          await sleep(5);
          seen.push(n);
          inFlight--;
        },
        { parallelism: 3 },
      ),
    );
    await probe.expectRequest();
    probe.sendNext(...Array.from({ length: 20 }, (_, i) => i));
    probe.sendComplete();
    await handle.done;
    expect(most).toBe(3);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});
