import type { Chunk } from './chunk.js';
import type { Pull } from './stage.js';

/**
 * The loop of a sink: pulls `max` at a time until the upstream completes, handing each
 * chunk to `each` and pulling again only when `each` is done with it.
 */
export async function drain<T>(upstream: Pull<T>, max: number, each: (chunk: Chunk<T>) => void | Promise<void>): Promise<void> {
  for (;;) {
    const chunk = await upstream.pull(max);
    if (chunk === undefined) return;
    const pending = each(chunk);
    if (pending !== undefined) await pending;
  }
}
