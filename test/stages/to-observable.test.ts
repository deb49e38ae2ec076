import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ConfigError, fromArray, map, toObservable } from 'dendrites';
import { countingSource, tracked } from '../core/fixtures.js';

describe('toObservable', () => {
  it('runs the source on subscribe and pushes every element, then completes', async () => {
    const counting = countingSource({ count: 300, acks: true });
    const values = await lastValueFrom(toObservable(counting.source.via(map((n: number) => n * 2))).pipe(toArray()));
    expect(values).toEqual(Array.from({ length: 300 }, (_, i) => i * 2));
    expect(counting.acked.size).toBe(300); // acknowledged once pushed
  });

  it('is cold: each subscription is a run of its own', async () => {
    const obs = toObservable(fromArray([1, 2, 3]));
    expect(await lastValueFrom(obs.pipe(toArray()))).toEqual([1, 2, 3]);
    expect(await lastValueFrom(obs.pipe(toArray()))).toEqual([1, 2, 3]);
  });

  it('errors with the failure, named by stage', async () => {
    const counter = { closed: 0 };
    const obs = toObservable(fromArray([1, 2, 3]).via(tracked<number>(counter, (n) => n === 2).named('checker')));
    await expect(lastValueFrom(obs)).rejects.toMatchObject({ stage: 'checker' });
    expect(counter.closed).toBe(1);
  });

  it('aborts the run on unsubscribe: the source is torn down', async () => {
    const counting = countingSource(); // endless
    const first = await firstValueFrom(toObservable(counting.source, { inputBuffer: 4 }).pipe(take(5), toArray()));
    expect(first).toEqual([0, 1, 2, 3, 4]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(counting.closed()).toBe(1);
    const pulls = counting.pulls();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(counting.pulls()).toBe(pulls); // nothing pulls any more
  });

  it('rejects bad options when built', () => {
    expect(() => toObservable(fromArray([1]), { inputBuffer: 0 })).toThrow(ConfigError);
  });
});
