// The "core" workloads every contender runs: the same data, the same per-element work.
// map (add a field) -> filter (drop 10%) -> broadcast(2) -> [sink, counter].
//   cpu: the sink awaits a resolved promise per element, one call at a time (the engine's own cost shows);
//   io:  the sink does a loopback TCP round trip per element, SINK_PARALLELISM_IO calls in flight
//        (real asynchronous I/O: chunking matters less, scheduling more).
import type { Socket } from 'node:net';

export interface Command {
  readonly id: number;
  readonly action: string;
  readonly data: { readonly amount: number };
}

export interface Priced extends Command {
  readonly cents: number;
}

export function makeCommands(n: number): Command[] {
  const out = new Array<Command>(n);
  for (let i = 0; i < n; i++) out[i] = { id: i, action: i % 3 === 0 ? 'deposit' : 'transfer-money', data: { amount: i % 97 } };
  return out;
}

/** The map step: adds a field. */
export function price(c: Command): Priced {
  return { id: c.id, action: c.action, data: c.data, cents: c.data.amount * 100 };
}

/** The filter step: drops every tenth element. */
export function keep(c: Priced): boolean {
  return c.id % 10 !== 0;
}

/** Branch 1 of every contender: an asynchronous sink. */
export interface Sink {
  count: number;
  cents: number;
  readonly apply: (c: Priced) => Promise<void>;
}

const RESOLVED: Promise<void> = Promise.resolve();

/** The cpu workload's sink: awaits a resolved promise per element. */
export class AsyncSink implements Sink {
  count = 0;
  cents = 0;
  readonly apply = async (c: Priced): Promise<void> => {
    await RESOLVED;
    this.count++;
    this.cents += c.cents;
  };
}

const MESSAGE = Buffer.alloc(8, 1);

/**
 * One TCP connection to an echo server on the loopback interface (the benchmark's parent
 * process serves it): `roundTrip()` writes 8 bytes and resolves when 8 bytes have come back.
 * Replies come back in order, so the waiting calls are resolved first in, first out.
 */
export class EchoConnection {
  readonly #waiting: (() => void)[] = [];
  #head = 0;
  #partial = 0;

  constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (bytes: Buffer) => {
      const total = this.#partial + bytes.length;
      this.#partial = total & 7;
      for (let n = total >> 3; n > 0; n--) this.#waiting[this.#head++]();
      if (this.#head >= 4096) {
        this.#waiting.splice(0, this.#head);
        this.#head = 0;
      }
    });
  }

  roundTrip(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#waiting.push(resolve);
      this.socket.write(MESSAGE);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The io workload's sink: one loopback round trip per element. */
export class EchoSink implements Sink {
  count = 0;
  cents = 0;
  constructor(private readonly connection: EchoConnection) {}
  readonly apply = async (c: Priced): Promise<void> => {
    await this.connection.roundTrip();
    this.count++;
    this.cents += c.cents;
  };
}

/**
 * At most `limit` sink calls in flight, for contenders that have no such bound of their own
 * (async generators, the chunked promises, the fused loop). `apply` resolves once the call has
 * started; `idle` once every call has finished; a failed call fails the next `apply` or `idle`.
 */
export class Limiter {
  #n = 0;
  #wake: (() => void) | undefined;
  #failure: { error: unknown } | undefined;

  constructor(
    private readonly sink: Sink,
    private readonly limit: number,
  ) {}

  readonly #done = (): void => {
    this.#n--;
    const wake = this.#wake;
    if (wake !== undefined) {
      this.#wake = undefined;
      wake();
    }
  };

  readonly #fail = (error: unknown): void => {
    this.#failure ??= { error };
    this.#done();
  };

  readonly apply = async (p: Priced): Promise<void> => {
    while (this.#n >= this.limit) await new Promise<void>((resolve) => (this.#wake = resolve));
    if (this.#failure !== undefined) throw this.#failure.error;
    this.#n++;
    this.sink.apply(p).then(this.#done, this.#fail);
  };

  async idle(): Promise<void> {
    while (this.#n > 0) await new Promise<void>((resolve) => (this.#wake = resolve));
    if (this.#failure !== undefined) throw this.#failure.error;
  }
}

/** What both branches must have seen for `n` input elements. */
export function expected(n: number): { count: number; cents: number } {
  let count = 0;
  let cents = 0;
  for (let i = 0; i < n; i++) {
    if (i % 10 === 0) continue;
    count++;
    cents += (i % 97) * 100;
  }
  return { count, cents };
}

export interface Outcome {
  readonly sinkCount: number;
  readonly sinkCents: number;
  readonly counted: number;
}

/** Throws unless both branches saw every kept element. */
export function check(contender: string, n: number, outcome: Outcome): void {
  const want = expected(n);
  if (outcome.sinkCount !== want.count || outcome.sinkCents !== want.cents || outcome.counted !== want.count) {
    throw new Error(
      `${contender}: wrong result: sink saw ${outcome.sinkCount} (cents ${outcome.sinkCents}), counter ${outcome.counted}; ` +
        `expected ${want.count} (cents ${want.cents})`,
    );
  }
}

/**
 * A contender runs the whole pipeline over `data` once, calling `sink.apply` for every kept
 * element with at most `parallelism` calls in flight (1: one after the other), and reports
 * what the branches saw.
 */
export type Contender = (data: readonly Command[], sink: Sink, parallelism: number) => Promise<Outcome>;

/** Elements per chunk for the contenders that work a chunk at a time (dendrites' default inputBuffer). */
export const CHUNK = 512;

/**
 * The bound on elements in flight, the same for every contender: elements taken from the
 * source and not yet done by both branches (an element the filter drops is done when it is
 * dropped). dendrites with its default inputBuffer (512) holds two source chunks at most: the
 * one the sink works on and the next, which broadcast holds and the counter may already have
 * taken (2 × 461 kept elements); the contenders that pass single elements get the whole 1,024.
 * Each contender is set up to stay within it (see its file); the child measures the largest
 * number actually in flight in an untimed pass (`InFlightProbe`) and the report prints it.
 * The sink's own calls in flight (io workload: up to `parallelism`) come on top for every
 * contender alike.
 */
export const IN_FLIGHT = 2 * CHUNK;

/**
 * Measures elements in flight for one untimed pass: `data` is a view of the input that notes
 * the highest index read, and `sink(inner)` wraps the pass's sink so that at every call it
 * notes how many elements the filter keeps were taken from the source and are not yet done
 * by the sink (the slower branch in every contender). Elements not yet filtered that the
 * filter will drop are not counted (at most a tenth of those before the filter).
 */
export class InFlightProbe {
  #taken = 0;
  #max = 0;
  readonly data: readonly Command[];

  constructor(source: readonly Command[]) {
    this.data = new Proxy(source as Command[], {
      get: (target, key, receiver) => {
        if (typeof key === 'string') {
          const i = key.charCodeAt(0) - 48;
          if (i >= 0 && i <= 9) {
            const n = Number(key) + 1;
            if (n > this.#taken) this.#taken = n;
          }
        }
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
  }

  sink(inner: Sink): Sink {
    const observe = (): void => {
      const keptTaken = this.#taken - Math.ceil(this.#taken / 10); // ids 0, 10, 20, ... are dropped
      const inFlight = keptTaken - inner.count;
      if (inFlight > this.#max) this.#max = inFlight;
    };
    return {
      get count() {
        return inner.count;
      },
      set count(n: number) {
        inner.count = n;
      },
      get cents() {
        return inner.cents;
      },
      set cents(n: number) {
        inner.cents = n;
      },
      apply: (c: Priced) => {
        observe();
        return inner.apply(c);
      },
    };
  }

  /** The most elements in flight seen at a sink call. */
  maxInFlight(): number {
    return this.#max;
  }
}
