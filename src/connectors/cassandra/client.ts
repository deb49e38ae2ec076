/**
 * The part of the cassandra-driver `Client` the Cassandra stages use. A driver `Client`
 * is one; naming the narrow shape keeps the stages honest about what they call.
 */
import type { types } from 'cassandra-driver';

/** Options the stages pass to `execute` and `batch` (a subset of the driver's QueryOptions). */
export interface CqlQueryOptions {
  /** Prepare the statement (and cache it) rather than send it as text. */
  readonly prepare?: boolean;
  /** Whether the driver may retry or speculatively re-send it. */
  readonly isIdempotent?: boolean;
  /** Rows per page of a read. */
  readonly fetchSize?: number;
  /** Where the next page of a read starts (the previous result's `pageState`). */
  readonly pageState?: string | Buffer;
  /** The consistency level (a driver `types.consistencies` value). */
  readonly consistency?: number;
  /** The serial consistency level of a conditional write. */
  readonly serialConsistency?: number;
  /** Batches: logged (atomic, the default) or not. */
  readonly logged?: boolean;
}

/** What the stages read of a result: rows, the paging state, and whether a conditional write applied. */
export interface CqlResult {
  /** The rows read (empty for a write). */
  readonly rows: types.Row[];
  /** Where the next page starts; `null` after the last page. */
  readonly pageState: string | null;
  /** Whether a conditional write (`IF ...`) applied; true for any other statement. */
  wasApplied(): boolean;
}

/** One statement of a batch. */
export interface CqlBatchEntry {
  /** The CQL text, with `?` markers. */
  readonly query: string;
  /** The values of its markers, in order. */
  readonly params: readonly unknown[];
}

/** A Cassandra client as the stages use it; `cassandra-driver`'s `Client` fits. */
export interface CqlClient {
  /** Runs one statement. */
  execute(query: string, params: unknown[], options: CqlQueryOptions): Promise<CqlResult>;
  /** Runs statements as one batch (logged unless `options.logged` is false). */
  batch(queries: CqlBatchEntry[], options: CqlQueryOptions): Promise<CqlResult>;
}
