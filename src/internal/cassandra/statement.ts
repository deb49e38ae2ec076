/** The element `cassandraBind` emits and the Cassandra sinks execute. */
export interface BoundStatement<T> {
  /** The CQL, with `?` markers; executed prepared (the driver prepares each query once per client). */
  readonly query: string;
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
}
