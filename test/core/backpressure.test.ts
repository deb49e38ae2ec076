import { describe, expect, it } from 'vitest';
import { broadcast, buffer, forEach, graph, mapAsync } from 'dendrites';
import { countingSource, sleep, tick } from './fixtures.js';

// A fast source into a slow sink: the source is never more than the declared bounds ahead
// of what the sink has processed. Declared bounds: the run's inputBuffer (what a sink asks
// for at once) plus what each stage on the way may hold.

/** A slow sink that checks, before each element, how far ahead the source is. */
function slowSink(produced: () => number, bound: number, seen: { most: number; processed: number }, wait: () => Promise<void> = tick) {
  return forEach(async () => {
    const ahead = produced() - seen.processed;
    seen.most = Math.max(seen.most, ahead);
    expect(ahead).toBeLessThanOrEqual(bound);
    await wait();
    seen.processed++;
  });
}

describe('backpressure', () => {
  for (const inputBuffer of [1, 4, 16]) {
    it(`a slow sink keeps a fast source within inputBuffer (${inputBuffer}) ahead`, async () => {
      const counting = countingSource({ count: 200 });
      const seen = { most: 0, processed: 0 };
      await counting.source.runWith(slowSink(counting.produced, inputBuffer, seen), { inputBuffer }).done;
      expect(seen.processed).toBe(200);
      expect(seen.most).toBe(inputBuffer); // the bound is reached, and not passed
    });
  }

  it('through broadcast, the slowest branch sets the pace (inputBuffer + one chunk held by broadcast)', async () => {
    const inputBuffer = 4;
    const bound = inputBuffer + inputBuffer;
    const counting = countingSource({ count: 120 });
    const slow = { most: 0, processed: 0 };
    const fast = { most: 0, processed: 0 };
    await graph((b) => {
      const fan = b.add(broadcast<number>(2), 'fan');
      b.connect(counting.source, fan);
      b.connect(fan, b.add(slowSink(counting.produced, bound, fast, tick), 'fast'));
      b.connect(fan, b.add(slowSink(counting.produced, bound, slow, () => sleep(1)), 'slow'));
    }).run({ inputBuffer }).done;
    expect(slow.processed).toBe(120);
    expect(fast.processed).toBe(120);
    expect(slow.most).toBeGreaterThan(inputBuffer); // broadcast does hold a chunk of its own
    expect(slow.most).toBeLessThanOrEqual(bound);
  });

  it('through mapAsync, within parallelism + inputBuffer', async () => {
    const inputBuffer = 3;
    const parallelism = 5;
    const counting = countingSource({ count: 150 });
    const seen = { most: 0, processed: 0 };
    await counting.source
      .via(mapAsync(async (n: number) => (await tick(), n), { parallelism }))
      .runWith(slowSink(counting.produced, parallelism + inputBuffer, seen, () => sleep(1)), { inputBuffer }).done;
    expect(seen.processed).toBe(150);
    expect(seen.most).toBe(parallelism + inputBuffer);
  });

  it('through buffer, within size + inputBuffer', async () => {
    const inputBuffer = 2;
    const counting = countingSource({ count: 100 });
    const seen = { most: 0, processed: 0 };
    await counting.source.via(buffer<number>({ size: 10 })).runWith(slowSink(counting.produced, 10 + inputBuffer, seen), { inputBuffer }).done;
    expect(seen.processed).toBe(100);
    expect(seen.most).toBe(10 + inputBuffer);
  });
});
