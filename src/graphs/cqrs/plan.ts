/**
 * The compensation arithmetic for one command, pure: from every journal row of the
 * command (each delivery applied or logged, with its time bucket) and what the job
 * recorded last time, decide whether this bucket handles the command and what to do.
 */

/** One journal row of a command, as the job reads it. */
export interface JournalRow {
  readonly kind: 'applied' | 'logged';
  /** Start of the delivery's time bucket, ms since the epoch. */
  readonly bucket: number;
}

export interface CommandCounts {
  /** Deliveries the service applied (A). */
  readonly applied: number;
  /** Deliveries the event log holds (L). */
  readonly logged: number;
}

/** What the job does about one command. */
export type Verdict =
  /** Applied at most once and never corrected: nothing to do. */
  | { readonly kind: 'clean' }
  /** Extra deliveries, but the domain's writes are idempotent: nothing to undo. */
  | { readonly kind: 'idempotent'; readonly compensated: number }
  /** The correction for this many extra deliveries is already written. */
  | { readonly kind: 'unchanged'; readonly compensated: number }
  /** Write the correction of `compensated` extra deliveries (first time, or after more duplicates). */
  | { readonly kind: 'write'; readonly compensated: number };

/** A and L of a command from its journal rows. */
export function countsOf(rows: readonly JournalRow[]): CommandCounts {
  let applied = 0;
  let logged = 0;
  for (const r of rows) {
    if (r.kind === 'applied') applied++;
    else logged++;
  }
  return { applied, logged };
}

/**
 * Whether the scan of `bucket` handles the command: a command's rows may lie in several
 * buckets (a producer sent it twice, hours apart), and one run of the job handles it once,
 * in the first bucket of the range that holds one of its deliveries.
 */
export function handledIn(bucket: number, rangeStart: number, rows: readonly JournalRow[]): boolean {
  let first = Infinity;
  for (const r of rows) if (r.bucket >= rangeStart && r.bucket < first) first = r.bucket;
  return first === bucket;
}

/**
 * Decides for one command: undo A − 1 deliveries, unless that is what the job recorded
 * last time (`previous`), or the domain has nothing to undo (`compensates` false).
 */
export function decide(counts: CommandCounts, previous: number | undefined, compensates: boolean): Verdict {
  const count = Math.max(counts.applied - 1, 0);
  if (count === 0 && (previous === undefined || !compensates)) return { kind: 'clean' };
  if (!compensates) return { kind: 'idempotent', compensated: count };
  if (previous === count) return { kind: 'unchanged', compensated: count };
  return { kind: 'write', compensated: count };
}
