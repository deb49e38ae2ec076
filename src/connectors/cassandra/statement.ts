import type { DendritesError } from '../../errors.js';

/** The element `cassandraBind` emits and the Cassandra sinks execute. */
export interface BoundStatement<T> {
  /** The CQL, with `?` markers; executed prepared (the driver prepares each query once per client). */
  readonly query: string;
  /** The values of its markers, in order. */
  readonly params: readonly unknown[];
  /**
   * The partition key (or any ordering key): writes with the same key run one after the
   * other, in the order they arrived. Without a key a write is ordered with nothing.
   */
  readonly key?: string;
  /** Whether running the statement twice has the same effect as once (decides what a timeout may retry). */
  readonly idempotent: boolean;
  /** The element the statement was bound from, kept for later stages and for error messages. */
  readonly item: T;
  /**
   * Binds the element again from fresh state: the retry sink calls it when a conditional
   * write (lightweight transaction) was not applied. `null` means "nothing to write any more".
   */
  readonly rebind?: () => Promise<BoundStatement<T> | null>;
  /**
   * Set when the element could not be bound (e.g. the command graph's domain threw in
   * `apply` for it): the sinks execute nothing and handle this failure as a failed write
   * of the element (a BadInputError is the element's own: dead-lettered under
   * `onRecordError: 'dead-letter'`, else the run fails with it). `query` then names what
   * failed.
   */
  readonly failure?: DendritesError;
}
