import { describe, expect, it } from 'vitest';
import { collect, GraphError, map } from 'dendrites';
import { probeSink } from '../../src/testkit/index.js';
import { probeSource } from '../../src/testkit/index.js';

describe('probeSource', () => {
  it('reports each pull with its demand and emits only what the test sends', async () => {
    const probe = probeSource<number>();
    const handle = probe.source.runWith(collect(), { inputBuffer: 16 });
    expect(await probe.expectRequest()).toBe(16);
    expect(probe.pulled).toBe(1);
    probe.sendNext(1, 2, 3);
    expect(await probe.expectRequest()).toBe(16);
    probe.sendNext(4);
    probe.sendComplete();
    expect(await handle.done).toEqual([1, 2, 3, 4]);
  });

  it('hands a pull at most its demand; the rest waits for the next pull', async () => {
    const probe = probeSource<string>();
    const sink = probeSink<string>();
    void probe.source.runWith(sink.sink).done.catch(() => {});
    probe.sendNext('a', 'b', 'c');
    sink.request(2);
    expect(await probe.expectRequest()).toBe(2);
    await sink.expectNext('a', 'b');
    await probe.expectNoRequest(30);
    sink.request(5);
    expect(await probe.expectRequest()).toBe(5);
    await sink.expectNext('c');
    probe.sendComplete();
    await sink.expectComplete();
  });

  it('fails the pull with sendError; the run is rejected with the error named by the probe', async () => {
    const probe = probeSource<number>();
    const handle = probe.source.via(map((n: number) => n * 2)).runWith(collect());
    await probe.expectRequest();
    probe.sendError(new Error('no more'));
    await expect(handle.done).rejects.toMatchObject({ stage: 'probeSource', message: expect.stringContaining('no more') });
  });

  it('resolves cancelled when downstream cancels, with the reason', async () => {
    const probe = probeSource<number>();
    const sink = probeSink<number>();
    const handle = probe.source.runWith(sink.sink);
    sink.request(1);
    await probe.expectRequest();
    await sink.cancel('enough');
    expect(await probe.cancelled).toBe('enough');
    expect(await handle.done).toEqual([]);
  });

  it('resolves cancelled when the run is aborted', async () => {
    const probe = probeSource<number>();
    const handle = probe.source.runWith(collect());
    await probe.expectRequest();
    handle.abort('test over');
    await expect(handle.done).rejects.toMatchObject({ name: 'AbortedError' });
    expect(await probe.cancelled).toMatchObject({ name: 'AbortedError', cause: 'test over' });
  });

  it('fails expectRequest clearly when no pull comes', async () => {
    const probe = probeSource<number>({ timeoutMs: 30 });
    await expect(probe.expectRequest()).rejects.toThrow(/expected a pull within 30 ms/);
  });

  it('fails expectNoRequest when a pull comes', async () => {
    const probe = probeSource<number>();
    const handle = probe.source.runWith(collect());
    await expect(probe.expectNoRequest(30)).rejects.toThrow(/expected no pull/);
    handle.abort();
    await expect(handle.done).rejects.toThrow();
  });

  it('runs once: a second run fails with a GraphError', async () => {
    const probe = probeSource<number>();
    const g = probe.source.to(collect());
    const handle = g.run();
    expect(() => g.run()).toThrow(GraphError);
    probe.sendComplete();
    expect(await handle.done).toEqual([]);
  });
});
