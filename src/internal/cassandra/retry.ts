/**
 * Retrying one Cassandra write with p-retry: exponential backoff with jitter, bounded by
 * attempts and by total time; failures that retrying cannot fix end it at once.
 */
import { setMaxListeners } from 'node:events';
import pRetry, { AbortError } from 'p-retry';
import { CassandraError, DendritesError, RetriesExhaustedError, messageOf } from '../../errors.js';
import { nonNegative, positiveInteger } from '../options.js';
import { classify, describe } from './classify.js';

/** How a Cassandra sink retries. */
export interface RetryOptions {
  /** Attempts in all, the first included. Default 10. */
  readonly attempts?: number;
  /** Delay before the first retry, ms; each next delay doubles, times a random factor in [1, 2) (jitter). Default 100. */
  readonly minDelayMs?: number;
  /** Longest delay between attempts, ms. Default 5,000. */
  readonly maxDelayMs?: number;
  /** No retry starts once this long has passed since the first attempt, ms. Default 60,000. */
  readonly maxTotalMs?: number;
}

export interface RetryPolicy {
  readonly attempts: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxTotalMs: number;
}

/** Validates retry options (ConfigError naming the stage) and fills in the defaults. */
export function retryPolicy(stage: string, options: RetryOptions = {}): RetryPolicy {
  const policy = {
    attempts: positiveInteger(stage, 'retry.attempts', options.attempts, 10),
    minDelayMs: nonNegative(stage, 'retry.minDelayMs', options.minDelayMs, 100),
    maxDelayMs: nonNegative(stage, 'retry.maxDelayMs', options.maxDelayMs, 5_000),
    maxTotalMs: nonNegative(stage, 'retry.maxTotalMs', options.maxTotalMs, 60_000),
  };
  return { ...policy, maxDelayMs: Math.max(policy.maxDelayMs, policy.minDelayMs) };
}

/** What a failed write is about, for its error. */
export interface WriteContext {
  readonly stage: string;
  readonly statement: string;
  readonly key?: string;
  readonly idempotent: boolean;
}

/** The error a write fails with: names the statement and the key; `retriable` says if a retry could help. */
export function writeFailed(error: unknown, context: WriteContext): DendritesError {
  if (error instanceof DendritesError) return error;
  const key = context.key === undefined ? '' : `, key ${context.key}`;
  return new CassandraError(`${context.stage}: ${describe(error)}: ${messageOf(error)} (statement: ${context.statement}${key})`, {
    cause: error,
    statement: context.statement,
    key: context.key,
    stage: context.stage,
    retriable: classify(error, context.idempotent) === 'retry',
  });
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(messageOf(error), { cause: error });
}

/**
 * Runs `attempt` until it resolves, retrying what `classify` says is safe. Rejects with
 * the first non-retriable failure (a CassandraError; no retries spent), with a
 * RetriesExhaustedError (cause: the last failure; `attempts`) when the policy runs out,
 * or with the abort reason when `signal` aborts.
 */
export async function withRetries<R>(
  attempt: (attemptNumber: number) => Promise<R>,
  policy: RetryPolicy,
  context: WriteContext,
  signal: AbortSignal,
  onRetry?: (error: unknown, attemptNumber: number) => void,
): Promise<R> {
  let attempts = 0;
  let last: unknown;
  let fatal = false;
  try {
    return await pRetry(
      async (n: number) => {
        if (n > 1) onRetry?.(last, n);
        attempts = n;
        try {
          return await attempt(n);
        } catch (error) {
          last = error;
          if (signal.aborted || classify(error, context.idempotent) === 'fail') {
            fatal = true;
            throw new AbortError(asError(error));
          }
          throw asError(error);
        }
      },
      {
        retries: policy.attempts - 1,
        factor: 2,
        minTimeout: policy.minDelayMs,
        maxTimeout: policy.maxDelayMs,
        randomize: true,
        maxRetryTime: policy.maxTotalMs,
        signal,
      },
    );
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (fatal || attempts === 0) throw writeFailed(last ?? error, context);
    const key = context.key === undefined ? '' : `, key ${context.key}`;
    throw new RetriesExhaustedError(
      `${context.stage}: gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${describe(last)}: ${messageOf(last)} (statement: ${context.statement}${key})`,
      { cause: last, attempts, statement: context.statement, key: context.key, stage: context.stage },
    );
  }
}

/**
 * A signal that follows `signal`, for the retries of one run: each write waiting to retry
 * listens to it, so it allows `listeners` of them without a leak warning, and `signal`
 * (the run's) gets one listener only.
 */
export function retrySignal(signal: AbortSignal, listeners: number): AbortSignal {
  const controller = new AbortController();
  setMaxListeners(listeners + 10, controller.signal);
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  return controller.signal;
}
