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
 * The rejecters of the first attempts in flight, per signal, and one abort listener per
 * signal that rejects them all (no listener per write, no reaction list that grows).
 */
const inFlight = new WeakMap<AbortSignal, Set<(reason: unknown) => void>>();

/** `work`, or its rejection with `signal`'s reason as soon as `signal` aborts (as p-retry races an attempt). */
function raceAbort<R>(work: Promise<R>, signal: AbortSignal): Promise<R> {
  if (signal.aborted) return work; // p-retry adds no abort listener to an aborted signal
  let rejecters = inFlight.get(signal);
  if (rejecters === undefined) {
    const set = new Set<(reason: unknown) => void>();
    rejecters = set;
    inFlight.set(signal, set);
    signal.addEventListener('abort', () => {
      for (const reject of set) reject(signal.reason);
      set.clear();
    }, { once: true });
  }
  const set = rejecters;
  return new Promise<R>((resolve, reject) => {
    set.add(reject);
    work.then(
      (value) => {
        set.delete(reject);
        resolve(value);
      },
      (error: unknown) => {
        set.delete(reject);
        reject(error);
      },
    );
  });
}

/**
 * Runs `attempt` until it resolves, retrying what `classify` says is safe. Rejects with
 * the first non-retriable failure (a CassandraError; no retries spent), with a
 * RetriesExhaustedError (cause: the last failure; `attempts`) when the policy runs out,
 * or with the abort reason when `signal` aborts.
 *
 * The first attempt runs outside p-retry, raced against `signal` as p-retry races it:
 * nearly every write succeeds at once, and p-retry's set-up per call (an operation with
 * its timeouts, an abort listener) cost more than the write's own JavaScript. When it
 * fails, p-retry takes over and sees that failure as attempt 1 (same classification,
 * same backoff, and the total time counted from the first attempt). `context` may be a
 * function: it is called only when the first attempt fails (no per-write work otherwise).
 */
export async function withRetries<R>(
  attempt: (attemptNumber: number) => Promise<R>,
  policy: RetryPolicy,
  context: WriteContext | (() => WriteContext),
  signal: AbortSignal,
  onRetry?: (error: unknown, attemptNumber: number) => void,
): Promise<R> {
  const started = Date.now();
  let first: Promise<R>;
  try {
    first = attempt(1);
  } catch (error) {
    first = Promise.reject(error);
  }
  let replay: { error: unknown } | undefined;
  try {
    return await raceAbort(first, signal);
  } catch (error) {
    if (signal.aborted) {
      first.catch(() => undefined);
      throw signal.reason;
    }
    replay = { error };
  }
  return retryAfterFirst(attempt, replay, Date.now() - started, policy, typeof context === 'function' ? context() : context, signal, onRetry);
}

async function retryAfterFirst<R>(
  attempt: (attemptNumber: number) => Promise<R>,
  replay: { error: unknown },
  elapsedMs: number,
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
          if (n === 1) throw replay.error;
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
        // Counted from the first attempt, which ran before p-retry started (0: no bound).
        maxRetryTime: policy.maxTotalMs === 0 ? 0 : Math.max(1, policy.maxTotalMs - elapsedMs),
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
