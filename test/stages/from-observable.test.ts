import { Observable, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { BufferOverflowError, collect, ConfigError, fromObservable, type MetricsSnapshot } from 'dendrites';
import { probeSink } from '../../src/testkit/index.js';

/** An observable whose subscriptions are counted, backed by a Subject the test drives. */
function counted<T>(): { observable: Observable<T>; subject: Subject<T>; subscribed: () => number; unsubscribed: () => number } {
  const subject = new Subject<T>();
  let subscribed = 0;
  let unsubscribed = 0;
  const observable = new Observable<T>((subscriber) => {
    subscribed++;
    const s = subject.subscribe(subscriber);
    return () => {
      unsubscribed++;
      s.unsubscribe();
    };
  });
  return { observable, subject, subscribed: () => subscribed, unsubscribed: () => unsubscribed };
}

describe('fromObservable', () => {
  it('subscribes on the first pull, emits what is pushed and completes with the observable', async () => {
    const obs = counted<number>();
    const out = probeSink<number>();
    const handle = fromObservable(obs.observable).runWith(out.sink);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(obs.subscribed()).toBe(0);
    out.request(4); // three elements, then the completion (seen only by pulling)
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(obs.subscribed()).toBe(1);
    obs.subject.next(1);
    obs.subject.next(2);
    await out.expectNext(1, 2);
    obs.subject.next(3);
    obs.subject.complete();
    await out.expectNext(3);
    await out.expectComplete();
    expect(await handle.done).toEqual([1, 2, 3]);
    expect(obs.unsubscribed()).toBe(1);
  });

  it('fails the run with the observable error, named by the stage', async () => {
    const obs = counted<number>();
    const handle = fromObservable(obs.observable).named('ticks').runWith(collect());
    await new Promise((resolve) => setTimeout(resolve, 5));
    obs.subject.next(1);
    obs.subject.error(new Error('feed lost'));
    await expect(handle.done).rejects.toMatchObject({ stage: 'ticks', message: expect.stringContaining('feed lost') });
    expect(obs.unsubscribed()).toBe(1);
  });

  it('overflow fail: fails with a BufferOverflowError when more than bufferSize wait', async () => {
    const obs = counted<number>();
    const out = probeSink<number>();
    const handle = fromObservable(obs.observable, { bufferSize: 2 }).runWith(out.sink);
    out.request(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    obs.subject.next(1);
    await out.expectNext(1);
    for (const n of [2, 3, 4]) obs.subject.next(n);
    const error = await handle.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BufferOverflowError);
    expect(error).toMatchObject({ stage: 'fromObservable' });
    expect(obs.unsubscribed()).toBe(1);
  });

  for (const [overflow, expected] of [
    ['dropHead', [3, 4]],
    ['dropTail', [1, 4]],
  ] as const) {
    it(`overflow ${overflow}: drops and counts`, async () => {
      const obs = counted<number>();
      const out = probeSink<number>();
      const snapshots: MetricsSnapshot[] = [];
      const handle = fromObservable(obs.observable, { bufferSize: 2, overflow }).runWith(out.sink);
      handle.metrics$.subscribe((s) => snapshots.push(s));
      out.request(1);
      await new Promise((resolve) => setTimeout(resolve, 5));
      obs.subject.next(0);
      await out.expectNext(0);
      for (const n of [1, 2, 3, 4]) obs.subject.next(n);
      obs.subject.complete();
      out.request(10);
      await out.expectNext(...expected);
      await out.expectComplete();
      await handle.done;
      expect(snapshots.at(-1)?.stages.find((s) => s.kind === 'fromObservable')?.dropped).toBe(2);
    });
  }

  it('unsubscribes when the run is aborted, and when stopped completes with what it holds', async () => {
    const aborted = counted<number>();
    const a = fromObservable(aborted.observable).runWith(collect());
    await new Promise((resolve) => setTimeout(resolve, 5));
    a.abort();
    await expect(a.done).rejects.toMatchObject({ name: 'AbortedError' });
    expect(aborted.unsubscribed()).toBe(1);

    const stopped = counted<number>();
    const out = probeSink<number>();
    const s = fromObservable(stopped.observable).runWith(out.sink);
    out.request(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    stopped.subject.next(1);
    stopped.subject.next(2);
    await out.expectNext(1);
    const result = s.stop();
    expect(stopped.unsubscribed()).toBe(1);
    out.request(5);
    await out.expectNext(2);
    await out.expectComplete();
    expect(await result).toEqual([1, 2]);
  });

  it('rejects bad options when built', () => {
    const obs = new Subject<number>();
    expect(() => fromObservable(obs, { bufferSize: 0 })).toThrow(ConfigError);
    expect(() => fromObservable(obs, { overflow: 'backpressure' as never })).toThrow(/overflow must be one of fail, dropHead, dropTail/);
  });
});
