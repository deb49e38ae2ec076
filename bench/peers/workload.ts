// The "core" workload every contender runs: the same data, the same per-element work.
// map (add a field) -> filter (drop 10%) -> broadcast(2) -> [async sink, counter].

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

const RESOLVED: Promise<void> = Promise.resolve();

/** Branch 1: an async sink that awaits a resolved promise per element. */
export class AsyncSink {
  count = 0;
  cents = 0;
  readonly apply = async (c: Priced): Promise<void> => {
    await RESOLVED;
    this.count++;
    this.cents += c.cents;
  };
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

/** A contender runs the whole pipeline over `data` once and reports what the branches saw. */
export type Contender = (data: readonly Command[]) => Promise<Outcome>;

/** Elements a bounded contender lets run ahead of its slowest branch (matches dendrites' default inputBuffer). */
export const WINDOW = 512;
