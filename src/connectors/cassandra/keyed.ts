/**
 * The loop of the Cassandra sinks: at most `parallelism` elements held at once (running,
 * or waiting behind an earlier write to the same key), writes to one key one after the
 * other in arrival order, each element acknowledged when its write is done (written, or
 * set aside on purpose: dead-lettered). Once full, it refills in batches (`refillBatch`).
 */
import type { Ack } from '../../core/chunk.js';
import type { Pull, StageContext } from '../../core/stage.js';

export interface KeyedWrites<E> {
  readonly parallelism: number;
  keyOf(element: E): string | undefined;
  /**
   * Writes one element; resolves when it is done (then it is acknowledged): `false` when
   * it was set aside on purpose rather than written (counted as dropped). Rejects to fail
   * the run.
   */
  write(element: E): Promise<boolean | void>;
}

/**
 * How many slots must be free before a full sink pulls again, for `parallelism`: an eighth
 * of them (at least 1). A sink that refilled each slot as its write finished would pull
 * one or two elements at a time and hand the driver one or two writes per tick, each its
 * own socket write (the driver coalesces only the writes made in the same tick), and pay
 * a pull through the graph per element. Waiting for a batch of free slots starts that
 * batch's writes together. The bound on elements held is unchanged, and while at least a
 * batch of slots is free (a slow upstream, a quiet topic) it pulls at once, as before.
 */
function refillBatch(parallelism: number): number {
  return Math.max(1, Math.floor(parallelism / 8));
}

/** Pulls `upstream` until it completes and every write is done; fails the run at the first failed write. */
export async function runKeyed<E>(upstream: Pull<E>, ctx: StageContext, writes: KeyedWrites<E>): Promise<void> {
  const { parallelism } = writes;
  const batch = refillBatch(parallelism);
  let held = 0;
  // A key is present while a write to it runs; its array holds the writes queued behind it.
  const queues = new Map<string, (() => void)[]>();
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const wakeUp = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onAbort = (): void => wakeUp();
  ctx.signal.addEventListener('abort', onAbort, { once: true });

  const finish = (key: string | undefined): void => {
    held--;
    if (key !== undefined) {
      const next = queues.get(key)?.shift();
      if (next !== undefined) next();
      else queues.delete(key);
    }
    wakeUp();
  };
  const start = (element: E, key: string | undefined, ack: Ack | undefined): void => {
    if (failure !== undefined || ctx.signal.aborted) return finish(key);
    // Started at once, not in a later microtask: the writes of one pulled chunk all reach
    // the driver in the same tick, so it sends them in one socket write.
    let written: Promise<boolean | void>;
    try {
      written = writes.write(element);
    } catch (error) {
      written = Promise.reject(error);
    }
    written.then(
      (done) => {
        ack?.();
        if (done === false) ctx.metrics.dropped++;
        else ctx.metrics.out++;
        finish(key);
      },
      (error: unknown) => {
        ctx.metrics.failed++;
        if (failure === undefined) {
          failure = { error };
          ctx.fail(error); // fails the run now, even while a pull is pending
        }
        finish(key);
      },
    );
  };
  const until = async (done: () => boolean): Promise<void> => {
    while (!done() && failure === undefined && !ctx.signal.aborted) await new Promise<void>((resolve) => (wake = resolve));
    if (failure !== undefined) throw failure.error;
    if (ctx.signal.aborted) throw ctx.signal.reason;
  };

  try {
    for (;;) {
      await until(() => parallelism - held >= batch); // a batch of free slots (see refillBatch)
      const chunk = await upstream.pull(Math.min(ctx.inputBuffer, parallelism - held));
      if (chunk === undefined) break;
      const { items, acks } = chunk;
      for (let i = 0; i < items.length; i++) {
        const element = items[i];
        const ack = acks?.[i];
        const key = writes.keyOf(element);
        held++;
        if (key === undefined) start(element, key, ack);
        else {
          const queue = queues.get(key);
          if (queue === undefined) {
            queues.set(key, []);
            start(element, key, ack);
          } else queue.push(() => start(element, key, ack));
        }
      }
    }
    await until(() => held === 0);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}
