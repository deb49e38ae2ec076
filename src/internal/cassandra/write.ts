/** Executing bound statements, once or with retries, and the counts the sinks report. */
import type { StageContext } from '../../core/stage.js';
import { ConfigError } from '../../errors.js';
import type { CqlBatchEntry, CqlClient, CqlQueryOptions, CqlResult } from './client.js';
import { NotAppliedError } from './classify.js';
import { type RetryPolicy, type WriteContext, withRetries, writeFailed } from './retry.js';
import type { BoundStatement } from './statement.js';

/** What a Cassandra sink did in one run. */
export interface CassandraWriteSummary {
  /** Elements whose write succeeded (and were acknowledged). */
  readonly written: number;
  /** Conditional writes not applied and not re-bound (e.g. `INSERT ... IF NOT EXISTS` of a row that exists). */
  readonly notApplied: number;
  /** Elements whose re-binding returned `null` (nothing left to write); acknowledged. */
  readonly skipped: number;
  /** Retries made (attempts after the first), over all elements. */
  readonly retries: number;
}

export class WriteCounts {
  written = 0;
  notApplied = 0;
  skipped = 0;
  retries = 0;
  #onRetry: (() => void) | undefined;
  /** Counts a retry (here and in the stage's metrics); one function per run, not per write. */
  onRetry(ctx: StageContext): () => void {
    this.#onRetry ??= () => {
      this.retries++;
      ctx.metrics.count('retries');
    };
    return this.#onRetry;
  }
  summary(): CassandraWriteSummary {
    return { written: this.written, notApplied: this.notApplied, skipped: this.skipped, retries: this.retries };
  }
}

/** Checks the client option when a stage is built. */
export function clientOption(stage: string, client: unknown): CqlClient {
  const c = client as { execute?: unknown; batch?: unknown } | null | undefined;
  if (typeof c?.execute !== 'function' || typeof c.batch !== 'function') {
    throw new ConfigError(`${stage}: client must be a cassandra-driver Client (with execute and batch)`, { stage });
  }
  return client as CqlClient;
}

const IDEMPOTENT: CqlQueryOptions = { prepare: true, isIdempotent: true };
const NOT_IDEMPOTENT: CqlQueryOptions = { prepare: true, isIdempotent: false };

export function execute(client: CqlClient, bound: BoundStatement<unknown>, consistency: number | undefined): Promise<CqlResult> {
  const options = consistency === undefined ? (bound.idempotent ? IDEMPOTENT : NOT_IDEMPOTENT) : { prepare: true, isIdempotent: bound.idempotent, consistency };
  return client.execute(bound.query, bound.params as unknown[], options); // the driver only reads them
}

/** Executes once; a failure becomes a CassandraError naming the statement and key. */
export async function writeOnce<T>(
  client: CqlClient,
  bound: BoundStatement<T>,
  ctx: StageContext,
  consistency: number | undefined,
  counts: WriteCounts,
): Promise<void> {
  let result: CqlResult;
  try {
    result = await execute(client, bound, consistency);
  } catch (error) {
    throw writeFailed(error, { stage: ctx.name, statement: bound.query, key: bound.key, idempotent: bound.idempotent });
  }
  if (result.wasApplied()) counts.written++;
  else {
    counts.notApplied++;
    ctx.metrics.count('notApplied');
  }
}

/**
 * Executes with retries. A conditional write that was not applied is re-bound from fresh
 * state (its `rebind`) and tried again, within the same retry budget.
 */
export async function writeWithRetries<T>(
  client: CqlClient,
  first: BoundStatement<T>,
  ctx: StageContext,
  signal: AbortSignal,
  consistency: number | undefined,
  policy: RetryPolicy,
  counts: WriteCounts,
): Promise<void> {
  let current: BoundStatement<T> = first;
  let rebind = false;
  let outcome: 'written' | 'notApplied' | 'skipped' = 'written';
  await withRetries(
    async () => {
      if (rebind && current.rebind !== undefined) {
        const next = await current.rebind();
        if (next === null) {
          outcome = 'skipped';
          return;
        }
        current = next;
        rebind = false;
      }
      const result = await execute(client, current, consistency);
      if (result.wasApplied()) return;
      if (current.rebind === undefined) {
        outcome = 'notApplied';
        return;
      }
      rebind = true;
      throw new NotAppliedError(`conditional write not applied (statement: ${current.query})`);
    },
    policy,
    (): WriteContext => ({ stage: ctx.name, statement: first.query, key: first.key, idempotent: first.idempotent }),
    signal,
    (error: unknown): void => {
      counts.retries++;
      ctx.metrics.count('retries');
      if (error instanceof NotAppliedError) ctx.metrics.count('rebound');
    },
  );
  counts[outcome]++;
  if (outcome !== 'written') ctx.metrics.count(outcome);
}

/**
 * Executes a batch (all statements idempotent) with retries, counting it as one written
 * element. `options` is passed to the driver as is: build it once per sink
 * (`batchOptionsOf`). The error context (the statements' text) is built only on failure.
 */
export async function writeBatchWithRetries(
  client: CqlClient,
  batch: CqlBatchEntry[],
  key: string | undefined,
  ctx: StageContext,
  signal: AbortSignal,
  options: CqlQueryOptions,
  policy: RetryPolicy,
  counts: WriteCounts,
): Promise<void> {
  await withRetries(
    () => client.batch(batch, options),
    policy,
    (): WriteContext => ({ stage: ctx.name, statement: batch.map((b) => b.query).join('; '), key, idempotent: true }),
    signal,
    counts.onRetry(ctx),
  );
  counts.written++;
}

/** The driver options of a sink's batches: prepared, idempotent, logged or not, at a consistency. */
export function batchOptionsOf(options: { readonly consistency?: number; readonly logged: boolean }): CqlQueryOptions {
  return { prepare: true, isIdempotent: true, logged: options.logged, ...(options.consistency === undefined ? {} : { consistency: options.consistency }) };
}
