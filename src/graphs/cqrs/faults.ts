/**
 * Deterministic fault injection for the command graph (tests and the demo's crash
 * points): a hook that runs in a branch before its write, and one that runs after the
 * write but before the element is acknowledged. A hook that throws (or rejects) fails the
 * run right there, so the record's offset is not committed and it is delivered again.
 */
import { type Ack, chunkOf } from '../../core/chunk.js';
import { defineFlow, type Flow } from '../../core/dsl.js';
import { mapAsync } from '../../stages/map-async.js';

/** A branch of the command graph: the service (your domain's writes) or the event log. */
export type Branch = 'service' | 'log';

/** Fault injection for tests and the demo's crash points: a hook that throws fails the run there, before the offset commits. */
export interface FaultHooks<T> {
  /** Runs in `branch` before the element is written. */
  readonly beforeWrite?: (branch: Branch, element: T) => void | Promise<void>;
  /** Runs in `branch` after the element was written, before it is acknowledged. */
  readonly afterWrite?: (branch: Branch, element: T) => void | Promise<void>;
  /**
   * Prevent mode only (`duplicates: 'prevent'`): runs in the service branch after the
   * delivery's claim is decided (the LWT written or read), before its effects are written.
   */
  readonly afterClaim?: (element: T) => void | Promise<void>;
}

/** A flow that awaits `hook` for each element before passing it on (parallel, in order). */
export function beforeHook<T>(branch: Branch, hook: NonNullable<FaultHooks<T>['beforeWrite']>, parallelism: number): Flow<T, T> {
  return mapAsync<T, T>(async (item) => {
    await hook(branch, item);
    return item;
  }, { parallelism, ordered: true });
}

/**
 * A flow that wraps each element's acknowledgement: when the sink downstream acknowledges
 * (it has written the element), `hook` runs first; if it throws, the run fails and the
 * acknowledgement is not passed on.
 */
export function afterHook<T>(branch: Branch, hook: NonNullable<FaultHooks<T>['afterWrite']>): Flow<T, T> {
  return defineFlow<T, T>('afterWrite', (upstream, ctx) => ({
    async pull(max) {
      const chunk = await upstream.pull(max);
      if (chunk === undefined) return undefined;
      const acks: Ack[] = chunk.items.map((item, i) => () => {
        Promise.resolve()
          .then(() => hook(branch, item))
          .then(
            () => chunk.acks?.[i](),
            (error: unknown) => ctx.fail(error),
          );
      });
      return chunkOf(chunk.items, acks);
    },
    cancel: (reason) => upstream.cancel(reason),
  }));
}
