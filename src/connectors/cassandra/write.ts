/** Executing bound statements, once or with retries, and the counts the sinks report. */
import type { StageContext } from '../../core/stage.js';
import { BadInputError, ConfigError, type DendritesError, inStage } from '../../errors.js';
import type { Invalid } from '../../core/records.js';
import type { CqlBatchEntry, CqlClient, CqlQueryOptions, CqlResult } from './client.js';
import { NotAppliedError, isRecordError } from './classify.js';
import { coordinatesOf, describeCoordinates, recordOf } from './coordinates.js';
import { type RetryHooks, type RetryPolicy, type WriteContext, withRetries, writeFailed } from './retry.js';
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
  /** Elements whose write Cassandra refused for their own values, produced to the dead-letter topic and acknowledged (`onRecordError: 'dead-letter'`). */
  readonly deadLettered: number;
}

/**
 * The counts of one run. In the stage's metrics too: `retries`, `waiting` (elements
 * waiting to retry right now: it rises when Cassandra is unreachable and falls back to 0
 * when it is back), `notApplied`, `skipped`, `rebound`, `deadLettered`.
 */
export class WriteCounts {
  written = 0;
  notApplied = 0;
  skipped = 0;
  retries = 0;
  deadLettered = 0;
  #hooks: RetryHooks | undefined;
  /** Counts retries and waiting elements (here and in the stage's metrics); one object per run, not per write. */
  hooks(ctx: StageContext): RetryHooks {
    this.#hooks ??= {
      retry: (error: unknown) => {
        this.retries++;
        ctx.metrics.count('retries');
        if (error instanceof NotAppliedError) ctx.metrics.count('rebound');
      },
      waiting: (delta) => ctx.metrics.count('waiting', delta),
    };
    return this.#hooks;
  }
  summary(): CassandraWriteSummary {
    return { written: this.written, notApplied: this.notApplied, skipped: this.skipped, retries: this.retries, deadLettered: this.deadLettered };
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

/** What a sink does when one element's write fails for a reason of its own (see `isRecordError`). */
export type OnRecordError = 'fail' | 'dead-letter';

/** Checks `onRecordError` when a stage is built. */
export function onRecordErrorOption(stage: string, value: unknown, fallback: OnRecordError): OnRecordError {
  if (value === undefined) return fallback;
  if (value !== 'fail' && value !== 'dead-letter') throw new ConfigError(`${stage}: onRecordError must be 'fail' or 'dead-letter', got ${String(value)}`, { stage });
  return value;
}

/** Produces bad records to a dead-letter topic (see `deadLetterProducer`). */
export type DeadLetterSend = (bad: readonly Invalid[]) => Promise<void>;

/**
 * What a sink does with a failed write, for one run. Without a dead-letter producer, or
 * for a failure that is not about the element's own values, or for an element that
 * carries no Kafka record: the failure (naming the element's coordinates) fails the run.
 * Otherwise the element's record goes to the dead-letter topic with the failure as its
 * reason, and the element counts as done (acknowledged, `deadLettered`).
 */
export class FailedWrites {
  constructor(
    private readonly ctx: StageContext,
    private readonly counts: WriteCounts,
    private readonly send: DeadLetterSend | undefined,
  ) {}

  /** Resolves `false` (not written, dead-lettered) or rejects with the failure. */
  async handle(error: unknown, bound: BoundStatement<unknown>): Promise<false> {
    const bad = this.send === undefined ? undefined : refused(error, bound.item, this.ctx.name);
    if (this.send === undefined || bad === undefined) throw error;
    await this.send([bad]);
    this.counts.deadLettered++;
    this.ctx.metrics.count('deadLettered');
    return false;
  }
}

/**
 * What to dead-letter for a failed write, when the failure is about the element's own
 * values and the element carries its Kafka record (otherwise undefined: the failure fails
 * the run): the record, with a BadInputError as the reason — `rejected by Cassandra: ...`
 * with Cassandra's failure as its cause, or the BadInputError the element failed with
 * (it could not be bound), naming the record's topic, partition and offset.
 */
export function refused(error: unknown, item: unknown, stage: string): Invalid | undefined {
  if (!isRecordError(error)) return undefined;
  const record = recordOf(item);
  if (record === undefined) return undefined;
  const failure: DendritesError = inStage(error, stage);
  const where = { stage, topic: record.topic, partition: record.partition, offset: record.offset, key: failure.key, statement: failure.statement };
  if (!(failure instanceof BadInputError)) return { ok: false, error: new BadInputError(`rejected by Cassandra: ${failure.message}`, { cause: failure, ...where }), record };
  if (failure.offset !== undefined) return { ok: false, error: failure, record }; // it says what and where already
  return { ok: false, error: new BadInputError(`${failure.message} (${describeCoordinates(record)})`, { cause: failure.cause ?? failure, ...where }), record };
}

const IDEMPOTENT: CqlQueryOptions = { prepare: true, isIdempotent: true };
const NOT_IDEMPOTENT: CqlQueryOptions = { prepare: true, isIdempotent: false };

export function execute(client: CqlClient, bound: BoundStatement<unknown>, consistency: number | undefined): Promise<CqlResult> {
  const options = consistency === undefined ? (bound.idempotent ? IDEMPOTENT : NOT_IDEMPOTENT) : { prepare: true, isIdempotent: bound.idempotent, consistency };
  return client.execute(bound.query, bound.params as unknown[], options); // the driver only reads them
}

/** The error context of a bound statement, with the coordinates its element carries (built only on failure). */
function contextOf(stage: string, bound: BoundStatement<unknown>): WriteContext {
  return { stage, statement: bound.query, key: bound.key, idempotent: bound.idempotent, where: coordinatesOf(bound.item) };
}

/**
 * Executes once; a failure becomes a CassandraError naming the statement, key and record,
 * then `failed` decides (fail or dead-letter). Resolves `true` when written.
 */
export async function writeOnce<T>(
  client: CqlClient,
  bound: BoundStatement<T>,
  ctx: StageContext,
  consistency: number | undefined,
  counts: WriteCounts,
  failed: FailedWrites,
): Promise<boolean> {
  if (bound.failure !== undefined) return failed.handle(bound.failure, bound);
  let result: CqlResult;
  try {
    result = await execute(client, bound, consistency);
  } catch (error) {
    return failed.handle(writeFailed(error, contextOf(ctx.name, bound)), bound);
  }
  if (result.wasApplied()) counts.written++;
  else {
    counts.notApplied++;
    ctx.metrics.count('notApplied');
  }
  return true;
}

/**
 * Executes with retries. A conditional write that was not applied is re-bound from fresh
 * state (its `rebind`) and tried again, within the same retry budget. A failure that is
 * not retried (or retries given up) goes to `failed`. Resolves `true` when written.
 */
export async function writeWithRetries<T>(
  client: CqlClient,
  first: BoundStatement<T>,
  ctx: StageContext,
  signal: AbortSignal,
  consistency: number | undefined,
  policy: RetryPolicy,
  counts: WriteCounts,
  failed: FailedWrites,
): Promise<boolean> {
  if (first.failure !== undefined) return failed.handle(first.failure, first);
  let current: BoundStatement<T> = first;
  let rebind = false;
  let outcome: 'written' | 'notApplied' | 'skipped' = 'written';
  try {
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
      () => contextOf(ctx.name, first),
      signal,
      counts.hooks(ctx),
    );
  } catch (error) {
    if (signal.aborted) throw error;
    return failed.handle(error, first);
  }
  counts[outcome]++;
  if (outcome !== 'written') ctx.metrics.count(outcome);
  return true;
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
    counts.hooks(ctx),
  );
  counts.written++;
}

/** The driver options of a sink's batches: prepared, idempotent, logged or not, at a consistency. */
export function batchOptionsOf(options: { readonly consistency?: number; readonly logged: boolean }): CqlQueryOptions {
  return { prepare: true, isIdempotent: true, logged: options.logged, ...(options.consistency === undefined ? {} : { consistency: options.consistency }) };
}
