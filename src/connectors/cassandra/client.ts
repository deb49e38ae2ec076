/**
 * The part of the cassandra-driver `Client` the Cassandra stages use. A driver `Client`
 * is one; naming the narrow shape keeps the stages honest about what they call.
 */
import type { types } from 'cassandra-driver';

/** Options the stages pass to `execute` and `batch` (a subset of the driver's QueryOptions). */
export interface CqlQueryOptions {
  readonly prepare?: boolean;
  readonly isIdempotent?: boolean;
  readonly fetchSize?: number;
  readonly pageState?: string | Buffer;
  readonly consistency?: number;
  readonly serialConsistency?: number;
  readonly logged?: boolean;
}

/** What the stages read of a result: rows, the paging state, and whether a conditional write applied. */
export interface CqlResult {
  readonly rows: types.Row[];
  readonly pageState: string | null;
  wasApplied(): boolean;
}

/** One statement of a batch. */
export interface CqlBatchEntry {
  readonly query: string;
  readonly params: readonly unknown[];
}

/** A Cassandra client as the stages use it; `cassandra-driver`'s `Client` fits. */
export interface CqlClient {
  execute(query: string, params: unknown[], options: CqlQueryOptions): Promise<CqlResult>;
  batch(queries: CqlBatchEntry[], options: CqlQueryOptions): Promise<CqlResult>;
}
