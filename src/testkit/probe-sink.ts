import { isDeepStrictEqual, inspect } from 'node:util';
import { ackAll } from '../core/chunk.js';
import { defineSink, type Sink } from '../core/dsl.js';
import type { Pull } from '../core/stage.js';
import { GraphError } from '../errors.js';
import { positiveInteger } from '../core/options.js';
import { Wakeup } from '../core/wakeup.js';
import { expectWithin } from './expect-within.js';
import type { ProbeOptions } from './probe-source.js';

/** A sink driven by the test, like Akka's TestSink probe. See `probeSink`. */
export interface ProbeSink<T> {
  /** The sink to wire into a graph; its result is every element received. A probe runs once. */
  readonly sink: Sink<T, T[]>;
  /**
   * Adds `n` to the demand: the sink pulls (asking for the whole outstanding demand) until it
   * has received that many. Completion and failure are seen only by pulling: request one more
   * than the elements expected to see the end.
   */
  request(n: number): void;
  /** Waits for the next elements and checks they deeply equal `values`, in order. */
  expectNext(...values: T[]): Promise<void>;
  /** Waits for the next `n` elements and returns them. */
  expectNextN(n: number): Promise<T[]>;
  /** Fails if an element arrives within `ms`. */
  expectNoNext(ms: number): Promise<void>;
  /** Waits for upstream to complete with no element left unexpected. */
  expectComplete(): Promise<void>;
  /** Waits for the failure the sink sees (an upstream failure, or the run's abort) and returns it. */
  expectError(): Promise<unknown>;
  /** Cancels upstream; the sink then completes with what it received. */
  cancel(reason?: unknown): Promise<void>;
  /** Every element received so far, expected or not. */
  readonly received: readonly T[];
}

/**
 * A sink the test drives: it pulls only when the test requests elements, and lets the
 * test expect what arrives. Each element is acknowledged when it arrives. Create one per run.
 *
 * @example
 *   const probe = probeSink<number>();
 *   const handle = fromArray([1, 2, 3]).runWith(probe.sink);
 *   probe.request(2);
 *   await probe.expectNext(1, 2);
 *   probe.request(1);
 *   await probe.expectNext(3);
 *   await probe.expectComplete();
 */
export function probeSink<T>(options: ProbeOptions = {}): ProbeSink<T> {
  const timeoutMs = positiveInteger('probeSink', 'timeoutMs', options.timeoutMs, 3000);
  const received: T[] = [];
  const unexpected: T[] = []; // received, not yet taken by an expectation
  const wakeup = new Wakeup();
  let demand = 0;
  let terminal: { readonly failed: boolean; readonly error?: unknown } | undefined;
  let upstream: Pull<T> | undefined;
  let cancelled = false;

  const sink = defineSink<T, T[]>('probeSink', async (up, ctx) => {
    if (upstream !== undefined) throw new GraphError(`stage "${ctx.name}" is a probe, which can run only once`, { stage: ctx.name });
    upstream = up;
    const onAbort = (): void => wakeup.notify();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    ctx.onClose(() => ctx.signal.removeEventListener('abort', onAbort));
    try {
      while (!cancelled && !ctx.signal.aborted) {
        if (demand === 0) {
          await wakeup.wait();
          continue;
        }
        const chunk = await up.pull(demand);
        if (chunk === undefined) break;
        demand = Math.max(0, demand - chunk.items.length);
        received.push(...chunk.items);
        unexpected.push(...chunk.items);
        ackAll(chunk);
        ctx.metrics.out += chunk.items.length;
        wakeup.notify();
      }
      terminal ??= ctx.signal.aborted ? { failed: true, error: ctx.signal.reason } : { failed: false };
      wakeup.notify();
      return received;
    } catch (error) {
      terminal ??= { failed: true, error };
      wakeup.notify();
      throw error;
    }
  });

  const take = async (n: number): Promise<T[]> => {
    await expectWithin(wakeup, () => unexpected.length >= n || terminal !== undefined, timeoutMs, `probeSink: expected ${n} element(s)`);
    if (unexpected.length < n) {
      const end = terminal?.failed === true ? `a failure: ${inspect(terminal.error)}` : 'completion';
      throw new Error(`probeSink: expected ${n} element(s), got ${inspect(unexpected)} and then ${end}`);
    }
    return unexpected.splice(0, n);
  };

  return {
    sink,
    request(n) {
      positiveInteger('probeSink', 'request(n)', n, 1);
      demand += n;
      wakeup.notify();
    },
    async expectNext(...values) {
      const got = await take(values.length);
      if (!isDeepStrictEqual(got, values)) throw new Error(`probeSink: expected next ${inspect(values)}, got ${inspect(got)}`);
    },
    expectNextN: take,
    async expectNoNext(ms) {
      const seen = received.length;
      await new Promise((resolve) => setTimeout(resolve, ms));
      if (received.length > seen) throw new Error(`probeSink: expected no element within ${ms} ms, got ${inspect(received.slice(seen))}`);
    },
    async expectComplete() {
      await expectWithin(wakeup, () => terminal !== undefined || unexpected.length > 0, timeoutMs, 'probeSink: expected completion');
      if (unexpected.length > 0) throw new Error(`probeSink: expected completion, got ${inspect(unexpected)}`);
      if (terminal?.failed === true) throw new Error(`probeSink: expected completion, got a failure: ${inspect(terminal.error)}`);
    },
    async expectError() {
      await expectWithin(wakeup, () => terminal !== undefined || unexpected.length > 0, timeoutMs, 'probeSink: expected a failure');
      if (unexpected.length > 0) throw new Error(`probeSink: expected a failure, got ${inspect(unexpected)}`);
      if (terminal?.failed !== true) throw new Error('probeSink: expected a failure, got completion');
      return terminal.error;
    },
    async cancel(reason) {
      cancelled = true;
      wakeup.notify();
      await upstream?.cancel(reason);
    },
    get received() {
      return received;
    },
  };
}
