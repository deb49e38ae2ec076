import { type Source, defineSource } from '../core/dsl.js';
import { GraphError } from '../errors.js';
import { positiveInteger } from '../core/options.js';
import { deferred, Wakeup } from '../core/wakeup.js';
import { expectWithin } from './expect-within.js';

/** The options of `probeSource` and `probeSink`. */
export interface ProbeOptions {
  /** How long an `expect...` waits before it fails the test, in ms. Default 3000. */
  readonly timeoutMs?: number;
}

/** A source driven by the test, like Akka's TestSource probe. See `probeSource`. */
export interface ProbeSource<T> {
  /** The source to wire into a graph. A probe runs once: a second run fails with a GraphError. */
  readonly source: Source<T>;
  /** Resolves with the demand (`max`) of the next pull not yet expected; fails after the timeout. */
  expectRequest(): Promise<number>;
  /** Waits `ms`, then fails if the source has been pulled in a way no `expectRequest` took. */
  expectNoRequest(ms: number): Promise<void>;
  /** Queues elements; pulls take them in order, each up to its demand. */
  sendNext(...items: T[]): void;
  /** Completes the source once the queued elements are taken. */
  sendComplete(): void;
  /** Fails the source: the pending (or next) pull rejects with `error`. */
  sendError(error: unknown): void;
  /** How many times the source has been pulled. */
  readonly pulled: number;
  /** Resolves with the reason once the source is cancelled by downstream, or by the run failing or aborting. */
  readonly cancelled: Promise<unknown>;
}

/**
 * A source the test drives: it tells the test about each pull (`expectRequest`) and emits
 * only what the test sends. Create one per run.
 *
 * @example
 *   const probe = probeSource<number>();
 *   const handle = probe.source.runWith(collect());
 *   expect(await probe.expectRequest()).toBe(128);
 *   probe.sendNext(1, 2);
 *   probe.sendComplete();
 *   expect(await handle.done).toEqual([1, 2]);
 */
export function probeSource<T>(options: ProbeOptions = {}): ProbeSource<T> {
  const timeoutMs = positiveInteger('probeSource', 'timeoutMs', options.timeoutMs, 3000);
  const queue: T[] = [];
  const demands: number[] = []; // demands of pulls the test has not yet expected
  const requests = new Wakeup();
  const cancelled = deferred<unknown>();
  let terminal: { readonly error?: unknown; readonly failed: boolean } | undefined;
  let waiting: { readonly max: number; readonly resolve: (items: T[] | undefined) => void; readonly reject: (e: unknown) => void } | undefined;
  let pulled = 0;
  let materialized = false;
  let ended = false; // the test sent complete or error

  const deliver = (): void => {
    if (waiting === undefined) return;
    const w = waiting;
    if (queue.length > 0) w.resolve(queue.splice(0, w.max));
    else if (terminal?.failed === true) w.reject(terminal.error);
    else if (terminal !== undefined) w.resolve(undefined);
    else return;
    waiting = undefined;
  };
  const cancel = (reason: unknown): void => {
    cancelled.resolve(reason);
    terminal ??= { failed: false };
    queue.length = 0;
    deliver();
  };

  const source = defineSource<T>('probeSource', (ctx) => {
    if (materialized) throw new GraphError(`stage "${ctx.name}" is a probe, which can run only once`, { stage: ctx.name });
    materialized = true;
    const onAbort = (): void => cancel(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    ctx.onClose(() => ctx.signal.removeEventListener('abort', onAbort));
    return {
      async pull(max) {
        pulled++;
        demands.push(max);
        requests.notify();
        const items = await new Promise<T[] | undefined>((resolve, reject) => {
          waiting = { max, resolve, reject };
          deliver();
        });
        return items === undefined ? undefined : { items };
      },
      async cancel(reason) {
        cancel(reason);
      },
    };
  });

  return {
    source,
    async expectRequest() {
      await expectWithin(requests, () => demands.length > 0, timeoutMs, 'probeSource: expected a pull');
      return demands.shift() as number;
    },
    async expectNoRequest(ms) {
      await new Promise((resolve) => setTimeout(resolve, ms));
      if (demands.length > 0) throw new Error(`probeSource: expected no pull within ${ms} ms, got ${demands.length} not expected`);
    },
    sendNext(...items) {
      if (ended) throw new Error('probeSource: sendNext after sendComplete or sendError');
      if (terminal !== undefined) return; // cancelled: nobody takes it
      queue.push(...items);
      deliver();
    },
    sendComplete() {
      ended = true;
      terminal ??= { failed: false };
      deliver();
    },
    sendError(error) {
      ended = true;
      terminal ??= { failed: true, error };
      queue.length = 0;
      deliver();
    },
    get pulled() {
      return pulled;
    },
    cancelled: cancelled.promise,
  };
}
