import { describe, expect, it } from 'vitest';
import { collect, fromArray, graph, zip } from 'dendrites';
import { probeSink, probeSource } from '../../src/testkit/index.js';
import { countingSource } from '../core/fixtures.js';

describe('zip', () => {
  it('pairs the i-th elements of its two inputs', async () => {
    const out = await graph((b) => {
      const z = b.add(zip<number, string>());
      b.connect(fromArray([1, 2, 3]), z.in(0));
      b.connect(fromArray(['a', 'b', 'c']), z.in(1));
      const sink = b.add(collect<[number, string]>());
      b.connect(z, sink);
      return sink;
    }).run({ inputBuffer: 2 }).done;
    expect(out).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
  });

  it('completes when either input completes, cancelling the other', async () => {
    const longer = probeSource<string>();
    const handle = graph((b) => {
      const z = b.add(zip<number, string>());
      b.connect(fromArray([1, 2]), z.in(0));
      b.connect(longer.source, z.in(1));
      const sink = b.add(collect<[number, string]>());
      b.connect(z, sink);
      return sink;
    }).run();
    await longer.expectRequest();
    longer.sendNext('a', 'b', 'c');
    expect(await handle.done).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    expect(await longer.cancelled).toBe('zip completed: an input completed');
  });

  it("acknowledging a pair acknowledges both of its elements, once", async () => {
    const left = countingSource({ count: 3, acks: true });
    const right = countingSource({ count: 5, acks: true });
    const out = probeSink<[number, number]>();
    const handle = graph((b) => {
      const z = b.add(zip<number, number>());
      b.connect(left.source, z.in(0));
      b.connect(right.source, z.in(1));
      const sink = b.add(out.sink);
      b.connect(z, sink);
      return sink;
    }).run();
    out.request(2);
    await out.expectNext([0, 0], [1, 1]); // the probe acks each pair when it arrives
    expect([...left.acked.entries()]).toEqual([[0, 1], [1, 1]]);
    expect([...right.acked.entries()]).toEqual([[0, 1], [1, 1]]);
    out.request(2);
    await out.expectNext([2, 2]);
    await out.expectComplete();
    await handle.done;
    expect(left.acked.size).toBe(3);
    expect(right.acked.has(2)).toBe(true);
  });

  it('holds at most one chunk per input: pulls an input again only once its elements are paired', async () => {
    const a = probeSource<number>();
    const b = probeSource<number>();
    const out = probeSink<[number, number]>();
    const handle = graph((bb) => {
      const z = bb.add(zip<number, number>());
      bb.connect(a.source, z.in(0));
      bb.connect(b.source, z.in(1));
      bb.connect(z, bb.add(out.sink));
    }).run();
    out.request(3);
    expect(await a.expectRequest()).toBe(3);
    expect(await b.expectRequest()).toBe(3);
    a.sendNext(1, 2, 3);
    await a.expectNoRequest(20); // a's elements wait for partners
    b.sendNext(10);
    await out.expectNext([1, 10]);
    await a.expectNoRequest(20);
    expect(await b.expectRequest()).toBe(2);
    b.sendComplete();
    await out.expectComplete();
    expect(await a.cancelled).toBe('zip completed: an input completed');
    await handle.done;
  });

  it('fails when an input fails, and cancels its inputs when downstream cancels', async () => {
    const a = probeSource<number>();
    const failing = graph((bb) => {
      const z = bb.add(zip<number, number>());
      bb.connect(a.source.named('left'), z.in(0));
      bb.connect(fromArray([1]), z.in(1));
      const sink = bb.add(collect<[number, number]>());
      bb.connect(z, sink);
      return sink;
    }).run();
    await a.expectRequest();
    a.sendError(new Error('left broke'));
    await expect(failing.done).rejects.toMatchObject({ stage: 'left' });

    const c = probeSource<number>();
    const d = probeSource<number>();
    const out = probeSink<[number, number]>();
    const handle = graph((bb) => {
      const z = bb.add(zip<number, number>());
      bb.connect(c.source, z.in(0));
      bb.connect(d.source, z.in(1));
      bb.connect(z, bb.add(out.sink));
    }).run();
    out.request(1);
    await c.expectRequest();
    await out.cancel('stop');
    expect(await c.cancelled).toBe('stop');
    expect(await d.cancelled).toBe('stop');
    await handle.done;
  });
});
