import { describe, expect, it } from 'vitest';
import { type Ack, defineSource, fromArray, GraphError, run } from 'dendrites';
import { probeSink, probeSource } from '../../src/testkit/index.js';

describe('probeSink', () => {
  it('pulls only when the test requests, asking for the outstanding demand', async () => {
    const source = probeSource<number>();
    const sink = probeSink<number>();
    const handle = source.source.runWith(sink.sink);
    await source.expectNoRequest(30);
    sink.request(3);
    expect(await source.expectRequest()).toBe(3);
    source.sendNext(10, 11);
    expect(await source.expectRequest()).toBe(1);
    source.sendNext(12);
    await sink.expectNext(10, 11, 12);
    await source.expectNoRequest(30);
    sink.request(1);
    await source.expectRequest();
    source.sendComplete();
    await sink.expectComplete();
    expect(await handle.done).toEqual([10, 11, 12]);
    expect(sink.received).toEqual([10, 11, 12]);
  });

  it('expectNextN returns the next n elements', async () => {
    const sink = probeSink<number>();
    const handle = fromArray([1, 2, 3, 4, 5]).runWith(sink.sink);
    sink.request(10);
    expect(await sink.expectNextN(2)).toEqual([1, 2]);
    expect(await sink.expectNextN(3)).toEqual([3, 4, 5]);
    await sink.expectComplete();
    await handle.done;
  });

  it('expectNext fails on a different element, and on completion before it', async () => {
    const sink = probeSink<{ id: number }>();
    void fromArray([{ id: 1 }]).runWith(sink.sink).done;
    sink.request(5);
    await expect(sink.expectNext({ id: 2 })).rejects.toThrow(/expected next \[ \{ id: 2 \} \], got \[ \{ id: 1 \} \]/);
    await expect(sink.expectNext({ id: 3 })).rejects.toThrow(/and then completion/);
  });

  it('expectComplete fails when an element arrives instead', async () => {
    const sink = probeSink<number>();
    void fromArray([7]).runWith(sink.sink).done;
    sink.request(1);
    await expect(sink.expectComplete()).rejects.toThrow(/expected completion, got \[ 7 \]/);
  });

  it('expectError returns the failure the sink sees', async () => {
    const source = probeSource<number>();
    const sink = probeSink<number>();
    const handle = source.source.runWith(sink.sink);
    sink.request(1);
    await source.expectRequest();
    source.sendError(new Error('kaput'));
    const error = await sink.expectError();
    expect(error).toMatchObject({ name: 'StageFailedError', stage: 'probeSource' });
    await expect(handle.done).rejects.toBe(error);
  });

  it('expectError fails on completion', async () => {
    const sink = probeSink<number>({ timeoutMs: 500 });
    void fromArray<number>([]).runWith(sink.sink).done;
    sink.request(1);
    await expect(sink.expectError()).rejects.toThrow(/got completion/);
  });

  it('expectNoNext fails when an element arrives', async () => {
    const sink = probeSink<number>();
    void fromArray([1]).runWith(sink.sink).done;
    sink.request(1);
    await expect(sink.expectNoNext(50)).rejects.toThrow(/expected no element/);
  });

  it('expectations time out with a clear message', async () => {
    const sink = probeSink<number>({ timeoutMs: 30 });
    const handle = probeSource<number>().source.runWith(sink.sink);
    await expect(sink.expectNext(1)).rejects.toThrow(/expected 1 element\(s\) within 30 ms/);
    handle.abort();
    await expect(handle.done).rejects.toThrow();
  });

  it('acknowledges each element as it arrives', async () => {
    const acked: number[] = [];
    const source = defineSource<number>('tracked', () => {
      let given = false;
      return {
        async pull() {
          if (given) return undefined;
          given = true;
          const acks: Ack[] = [1, 2].map((n) => () => void acked.push(n));
          return { items: [1, 2], acks };
        },
        async cancel() {},
      };
    });
    const sink = probeSink<number>();
    const handle = source.runWith(sink.sink);
    expect(acked).toEqual([]);
    sink.request(2);
    await sink.expectNext(1, 2);
    expect(acked).toEqual([1, 2]);
    sink.request(1);
    await sink.expectComplete();
    await handle.done;
  });

  it('rejects a bad request and runs only once', async () => {
    const sink = probeSink<number>();
    expect(() => sink.request(0)).toThrow(/at least 1/);
    const g = fromArray([1]).to(sink.sink);
    sink.request(2); // one element, then the completion
    expect(await run(g).done).toEqual([1]);
    await expect(run(g).done).rejects.toBeInstanceOf(GraphError);
  });
});
