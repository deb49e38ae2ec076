import { type Ack, type Chunk, splitAck } from '../core/chunk.js';
import { defineJunction, type Junction } from '../core/dsl.js';
import type { Pull } from '../core/stage.js';
import { ConfigError } from '../errors.js';
import { Wakeup } from '../core/wakeup.js';

/**
 * Fan-out: emits each element to every one of `n` outputs. It holds one upstream chunk
 * and pulls the next only when every output still running has taken all of it, so the
 * slowest output sets the pace. An element's acknowledgement reaches upstream once every
 * output has acknowledged it (this is how the commit rule crosses the fan-out).
 *
 * - Emits when: an output pulls and has not yet taken every element of the current chunk.
 * - Backpressures when: an output still running has not taken all of the current chunk.
 * - Completes when: upstream completes (each output after taking what remains).
 * - Fails when: upstream fails (every output sees the failure).
 * - Cancels when: every output has cancelled. A cancelled output's share of each
 *   element counts as acknowledged, and the others go on.
 */
export function broadcast<T>(n: number): Junction<[T], T[]> {
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`broadcast needs a positive whole number of outputs, got ${n}`);
  return defineJunction<[T], T[]>('broadcast', 1, n, ([upstream]) => new Fanout<T>(upstream, n).outlets);
}

class Fanout<T> {
  readonly outlets: Pull<T>[];
  #current: Chunk<T> | undefined;
  #acks: Ack[][] | undefined; // per output, per element of #current
  #completed = false;
  #failure: { error: unknown } | undefined;
  readonly #taken: number[]; // per output: elements taken of #current
  readonly #cancelled: boolean[];
  #fetching: Promise<void> | undefined;
  #wanted = 0; // demand of an output waiting for the next chunk
  readonly #advanced = new Wakeup(); // notified when the current chunk changes or an output cancels

  constructor(
    private readonly upstream: Pull<T>,
    private readonly n: number,
  ) {
    this.#taken = new Array<number>(n).fill(0);
    this.#cancelled = new Array<boolean>(n).fill(false);
    this.outlets = Array.from({ length: n }, (_, k) => ({
      pull: (max: number) => this.#pull(k, max),
      cancel: (reason?: unknown) => this.#cancel(k, reason),
    }));
  }

  async #pull(k: number, max: number): Promise<Chunk<T> | undefined> {
    for (;;) {
      if (this.#cancelled[k]) return undefined;
      const current = this.#current;
      const taken = this.#taken[k];
      if (current !== undefined && taken < current.items.length) {
        const end = Math.min(current.items.length, taken + max);
        this.#taken[k] = end;
        const items = taken === 0 && end === current.items.length ? current.items : current.items.slice(taken, end);
        const acks = this.#acks?.[k].slice(taken, end);
        this.#maybeFetch();
        return acks === undefined ? { items } : { items, acks };
      }
      if (this.#failure !== undefined) throw this.#failure.error;
      if (this.#completed) return undefined;
      const waitFor = this.#advanced.wait();
      this.#wanted = Math.max(this.#wanted, max);
      this.#maybeFetch();
      await waitFor;
    }
  }

  /** Pulls the next chunk once every running output has taken all of the current one. */
  #maybeFetch(): void {
    if (this.#fetching !== undefined || this.#completed || this.#failure !== undefined) return;
    const length = this.#current?.items.length ?? 0;
    for (let k = 0; k < this.n; k++) if (!this.#cancelled[k] && this.#taken[k] < length) return;
    if (this.#wanted === 0) return; // only an output that wants more starts a fetch
    const max = this.#wanted;
    this.#wanted = 0;
    this.#fetching = this.upstream.pull(max).then(
      (chunk) => this.#advance(chunk),
      (error: unknown) => {
        this.#failure = { error };
        this.#advance(undefined);
      },
    );
  }

  #advance(chunk: Chunk<T> | undefined): void {
    this.#fetching = undefined;
    this.#current = chunk;
    this.#taken.fill(0);
    if (chunk === undefined) this.#completed = true;
    this.#acks = chunk?.acks === undefined ? undefined : this.#splitAcks(chunk.acks);
    this.#advanced.notify();
  }

  #splitAcks(acks: readonly Ack[]): Ack[][] {
    const running = this.#cancelled.filter((c) => !c).length;
    const perOutput: Ack[][] = Array.from({ length: this.n }, () => new Array<Ack>(acks.length));
    for (let i = 0; i < acks.length; i++) {
      const split = splitAck(running, acks[i]);
      for (let k = 0, r = 0; k < this.n; k++) if (!this.#cancelled[k]) perOutput[k][i] = split[r++];
    }
    return perOutput;
  }

  async #cancel(k: number, reason: unknown): Promise<void> {
    if (this.#cancelled[k]) return;
    this.#cancelled[k] = true;
    // What this output had yet to take of the current chunk counts as done for it.
    const acks = this.#acks?.[k];
    if (acks !== undefined) for (let i = this.#taken[k]; i < acks.length; i++) acks[i]();
    if (this.#cancelled.every(Boolean)) {
      await this.upstream.cancel(reason);
      this.#completed = true;
    }
    this.#advanced.notify();
  }
}
