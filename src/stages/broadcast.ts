import { type Ack, type Chunk, splitAck } from '../core/chunk.js';
import { defineJunction, type Junction } from '../core/dsl.js';
import type { Pull, StageContext } from '../core/stage.js';
import { ConfigError, DendritesError } from '../errors.js';
import { Wakeup } from '../core/wakeup.js';

/**
 * What `broadcast` does when one of its outputs cancels (its downstream wants nothing more)
 * before upstream has completed. An element is acknowledged upstream only once every output
 * has acknowledged it, and a cancelled output never will: the policy says what becomes of
 * its share.
 *
 * - `'cancel-all'` (the default; Pekko's `eagerCancel`): cancel upstream at once and complete
 *   every other output; nothing more is emitted. Elements the cancelled output had not taken
 *   stay unacknowledged (its share is never given), so Kafka records among them are not
 *   committed and are delivered again.
 * - `'fail'`: fail the run (a DendritesError naming the output), and cancel upstream. As for
 *   `'cancel-all'`, no element counts as processed for the cancelled output.
 * - `'continue'`: the other outputs go on, and the cancelled branch's share counts as
 *   processed: the elements it had yet to take of the current chunk and every later element
 *   are acknowledged for it, so they commit once the other outputs acknowledge them. Only for
 *   branches whose work is optional.
 */
export type BroadcastCancelPolicy = 'cancel-all' | 'fail' | 'continue';

/** The options of `broadcast`. */
export interface BroadcastOptions {
  /** When one output cancels before upstream completed; see `BroadcastCancelPolicy`. Default `'cancel-all'`. */
  readonly onCancel?: BroadcastCancelPolicy;
}

const CANCEL_POLICIES: readonly BroadcastCancelPolicy[] = ['cancel-all', 'fail', 'continue'];

/**
 * Fan-out: emits each element to every one of `n` outputs. It holds one upstream chunk
 * and pulls the next only when every output still running has taken all of it, so the
 * slowest output sets the pace. An element's acknowledgement reaches upstream once every
 * output has acknowledged it (this is how the commit rule crosses the fan-out).
 *
 * - Emits when: an output pulls and has not yet taken every element of the current chunk.
 * - Backpressures when: an output still running has not taken all of the current chunk.
 * - Completes when: upstream completes (each output after taking what remains); with
 *   `onCancel: 'cancel-all'` (the default), also as soon as one output cancels: every other
 *   output completes at once, without what it had yet to take.
 * - Fails when: upstream fails (every output sees the failure); with `onCancel: 'fail'`,
 *   when an output cancels before upstream completed.
 * - Cancels when: with `'cancel-all'` (the default) or `'fail'`, one output cancels; with
 *   `'continue'`, every output has cancelled. What cancel means for acknowledgements: with
 *   `'cancel-all'` and `'fail'` an element counts as processed only if every output
 *   acknowledged it, so what a cancelled output did not take is never acknowledged upstream
 *   (Kafka records are delivered again); with `'continue'` the cancelled output's share of
 *   each element counts as acknowledged, and the others go on.
 */
export function broadcast<T>(n: number, options: BroadcastOptions = {}): Junction<[T], T[]> {
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`broadcast needs a positive whole number of outputs, got ${n}`);
  const onCancel = options.onCancel ?? 'cancel-all';
  if (!CANCEL_POLICIES.includes(onCancel)) {
    throw new ConfigError(`broadcast: onCancel must be one of ${CANCEL_POLICIES.map((p) => `'${p}'`).join(', ')}, got ${String(onCancel)}`);
  }
  return defineJunction<[T], T[]>('broadcast', 1, n, ([upstream], ctx) => new Fanout<T>(upstream, n, onCancel, ctx).outlets);
}

class Fanout<T> {
  readonly outlets: Pull<T>[];
  #current: Chunk<T> | undefined;
  #acks: Ack[][] | undefined; // per output, per element of #current
  #completed = false;
  /** Set by an output's cancel under 'cancel-all' or 'fail': nothing more is emitted, no chunk is taken from upstream. */
  #closed = false;
  #failure: { error: unknown } | undefined;
  readonly #taken: number[]; // per output: elements taken of #current
  readonly #cancelled: boolean[];
  #fetching: Promise<void> | undefined;
  #wanted = 0; // demand of an output waiting for the next chunk
  readonly #advanced = new Wakeup(); // notified when the current chunk changes or an output cancels

  constructor(
    private readonly upstream: Pull<T>,
    private readonly n: number,
    private readonly onCancel: BroadcastCancelPolicy,
    private readonly ctx: StageContext,
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
      if (this.#closed) {
        if (this.#failure !== undefined) throw this.#failure.error;
        return undefined;
      }
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
    if (this.#fetching !== undefined || this.#completed || this.#closed || this.#failure !== undefined) return;
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
    if (this.#closed) return; // a chunk that came after an output cancelled the rest: dropped, unacknowledged
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
    if (this.onCancel !== 'continue') return this.#cancelAll(k, reason);
    // 'continue': what this output had yet to take of the current chunk counts as done for it.
    const acks = this.#acks?.[k];
    if (acks !== undefined) for (let i = this.#taken[k]; i < acks.length; i++) acks[i]();
    if (this.#cancelled.every(Boolean)) {
      await this.upstream.cancel(reason);
      this.#completed = true;
    }
    this.#advanced.notify();
  }

  /**
   * 'cancel-all' and 'fail': nothing more is emitted to any output and upstream is cancelled.
   * The cancelled output's share of what it had not taken is never given, so those elements
   * are never acknowledged upstream. Once upstream has completed or failed there is nothing
   * left to protect: the cancel only ends this output.
   */
  async #cancelAll(k: number, reason: unknown): Promise<void> {
    if (this.#closed || this.#completed || this.#failure !== undefined) {
      this.#advanced.notify();
      return;
    }
    this.#closed = true;
    if (this.onCancel === 'fail') {
      const error = new DendritesError(`broadcast "${this.ctx.name}": output ${k} cancelled (${reasonText(reason)}) and onCancel is 'fail': its share of the elements would never be processed`, {
        stage: this.ctx.name,
        cause: reason,
      });
      this.#failure = { error };
      this.ctx.fail(error);
    }
    this.#advanced.notify();
    await this.upstream.cancel(reason);
  }
}

function reasonText(reason: unknown): string {
  if (reason === undefined) return 'no reason given';
  return reason instanceof Error ? reason.message : String(reason);
}
