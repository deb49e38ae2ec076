/**
 * The compensation arithmetic for one command, pure: from how many deliveries the
 * service applied (A) and the log holds (L), and what the job wrote last time, decide
 * the correction (the effect of A − 1 deliveries, undone) and whether it must be written.
 */

/** A ledger movement of a correction. */
export interface Movement {
  readonly account: string;
  readonly amount: number;
}

/** What the job wrote for a command on an earlier run. */
export interface PreviousCorrection {
  readonly compensated: number;
  readonly entries: readonly Movement[];
}

export interface CommandCounts {
  /** Deliveries the service applied. */
  readonly applied: number;
  /** Deliveries the event log holds. */
  readonly logged: number;
}

export type Verdict =
  /** Applied at most once and never corrected: nothing to do. */
  | { readonly kind: 'clean' }
  /** The right correction is already written. */
  | { readonly kind: 'unchanged'; readonly entries: readonly Movement[] }
  /** The correction to write (first time, or after more duplicates). */
  | { readonly kind: 'write'; readonly compensated: number; readonly entries: readonly Movement[] };

/** Same accounts and amounts, in any order. */
export function sameMovements(a: readonly Movement[], b: readonly Movement[]): boolean {
  if (a.length !== b.length) return false;
  const key = (m: Movement): string => `${m.account}\u0000${m.amount}`;
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.every((k, i) => k === right[i]);
}

/**
 * Decides for one command. `correction(count)` is the domain's compensating function for
 * this command: the movement per account that undoes `count` deliveries.
 */
export function decide(counts: CommandCounts, previous: PreviousCorrection | undefined, correction: (count: number) => readonly Movement[]): Verdict {
  const count = Math.max(counts.applied - 1, 0);
  if (count === 0 && previous === undefined) return { kind: 'clean' };
  const entries = correction(count);
  if (previous !== undefined && previous.compensated === count && sameMovements(previous.entries, entries)) return { kind: 'unchanged', entries };
  return { kind: 'write', compensated: count, entries };
}
