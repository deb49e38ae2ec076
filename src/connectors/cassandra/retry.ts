/**
 * Retrying one Cassandra write with p-retry: exponential backoff with jitter, capped, until
 * the write lands or a give-up TIME has passed (attempts unbounded unless asked for), so an
 * outage of a few minutes is waited out rather than counted out; failures that retrying
 * cannot fix end it at once.
 */
import { setMaxListeners } from 'node:events';
import pRetry, { AbortError } from 'p-retry';
import { CassandraError, ConfigError, DendritesError, RetriesExhaustedError, messageOf } from '../../errors.js';
import { nonNegative, positiveInteger } from '../../core/options.js';
import { classify, describe } from './classify.js';
import { type RecordCoordinates, describeCoordinates } from './coordinates.js';

/** How a Cassandra sink retries. */
export interface RetryOptions {
  /**
   * Give up on a write once this long has passed since its first attempt, ms: no retry
   * starts after it, and the write fails with a RetriesExhaustedError. Until then the
   * write is retried however many attempts it takes (an outage is waited out, the source
   * backpressured). 0: never give up. Default 300,000 (5 minutes).
   *
   * The driver decides when it sees a node again that it has marked down: its default
   * reconnection policy backs off towards 10 minutes, so after a 2-minute outage it may
   * wait minutes more. Give the client a short one (e.g. `new
   * policies.reconnection.ConstantReconnectionPolicy(1000)`) for the writes to resume
   * as soon as Cassandra is back.
   */
  readonly giveUpAfterMs?: number;
  /** Attempts in all, the first included, as a further bound. Default: no bound (only `giveUpAfterMs`). */
  readonly attempts?: number;
  /** Delay before the first retry, ms; each next delay doubles, times a random factor in [1, 2) (jitter). Default 100. */
  readonly minDelayMs?: number;
  /** Longest delay between attempts, ms (the doubling stops there). Default 5,000. */
  readonly maxDelayMs?: number;
}

export interface RetryPolicy {
  /** Attempts in all; `Infinity`: bounded by `giveUpAfterMs` only. */
  readonly attempts: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** 0: never give up. */
  readonly giveUpAfterMs: number;
}

/** The default give-up time of a write, ms: 5 minutes. */
export const DEFAULT_GIVE_UP_AFTER_MS = 300_000;

/** Validates retry options (ConfigError naming the stage) and fills in the defaults. */
export function retryPolicy(stage: string, options: RetryOptions = {}): RetryPolicy {
  if (options === null || typeof options !== 'object') throw new ConfigError(`${stage}: retry must be an object of retry options`, { stage });
  if ('maxTotalMs' in options) throw new ConfigError(`${stage}: retry.maxTotalMs is now retry.giveUpAfterMs`, { stage });
  const policy = {
    attempts: options.attempts === undefined ? Infinity : positiveInteger(stage, 'retry.attempts', options.attempts, 1),
    minDelayMs: nonNegative(stage, 'retry.minDelayMs', options.minDelayMs, 100),
    maxDelayMs: nonNegative(stage, 'retry.maxDelayMs', options.maxDelayMs, 5_000),
    giveUpAfterMs: nonNegative(stage, 'retry.giveUpAfterMs', options.giveUpAfterMs, DEFAULT_GIVE_UP_AFTER_MS),
  };
  return { ...policy, maxDelayMs: Math.max(policy.maxDelayMs, policy.minDelayMs) };
}

/**
 * The p-retry options of a policy. With no bound on attempts, p-retry retries "forever"
 * (the give-up time ends it): it computes the delays up to the cap once, then repeats the
 * last one (the cap), so only enough doublings to reach the cap are given.
 */
function backoff(policy: RetryPolicy, elapsedMs: number): { retries: number; forever: boolean; maxRetryTime: number } {
  // Counted from the first attempt, which ran before p-retry started (0: no bound).
  const maxRetryTime = policy.giveUpAfterMs === 0 ? 0 : Math.max(1, policy.giveUpAfterMs - elapsedMs);
  if (Number.isFinite(policy.attempts)) return { retries: policy.attempts - 1, forever: false, maxRetryTime };
  const doublings = Math.ceil(Math.log2(Math.max(policy.maxDelayMs, 1) / Math.max(policy.minDelayMs, 1)));
  return { retries: Math.min(Math.max(doublings + 1, 1), 64), forever: true, maxRetryTime };
}

/** What a failed write is about, for its error. */
export interface WriteContext {
  readonly stage: string;
  readonly statement: string;
  readonly key?: string;
  readonly idempotent: boolean;
  /** The Kafka record the element came from, when it carries one: named in the error. */
  readonly where?: RecordCoordinates;
  /**
   * Not a statement (e.g. a domain's `start`): a failure that is not retried rejects as
   * thrown, not wrapped in a CassandraError.
   */
  readonly asThrown?: boolean;
}

/** ` (statement: ..., key k, topic t, partition p, offset o)`: what the error is about. */
function about(context: WriteContext): string {
  const key = context.key === undefined ? '' : `, key ${context.key}`;
  const where = context.where === undefined ? '' : `, ${describeCoordinates(context.where)}`;
  return ` (statement: ${context.statement}${key}${where})`;
}

/** The error a write fails with: names the statement, the key and the record; `retriable` says if a retry could help. */
export function writeFailed(error: unknown, context: WriteContext): DendritesError {
  if (error instanceof DendritesError) return error;
  return new CassandraError(`${context.stage}: ${describe(error)}: ${messageOf(error)}${about(context)}`, {
    cause: error,
    statement: context.statement,
    key: context.key,
    stage: context.stage,
    ...context.where,
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

/** What a caller learns of the retries of one write (its counters). */
export interface RetryHooks {
  /** Before each retry (attempt 2 on), with the failure it follows. */
  readonly retry?: (error: unknown, attemptNumber: number) => void;
  /** +1 when the write starts waiting to retry (its first attempt failed retriably), -1 when it stops (written, failed or given up). */
  readonly waiting?: (delta: 1 | -1) => void;
}

/**
 * Runs `attempt` until it resolves, retrying what `classify` says is safe. Rejects with
 * the first non-retriable failure (a CassandraError naming the statement, key and record;
 * no retries spent), with a RetriesExhaustedError (cause: the last failure; `attempts`)
 * when the policy runs out (the give-up time, or `attempts` when bounded), or with the
 * abort reason when `signal` aborts.
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
  hooks?: RetryHooks,
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
  const ctx = typeof context === 'function' ? context() : context;
  const waits = classify(replay.error, ctx.idempotent) === 'retry';
  if (waits) hooks?.waiting?.(1);
  try {
    return await retryAfterFirst(attempt, replay, started, policy, ctx, signal, hooks);
  } finally {
    if (waits) hooks?.waiting?.(-1);
  }
}

async function retryAfterFirst<R>(
  attempt: (attemptNumber: number) => Promise<R>,
  replay: { error: unknown },
  startedMs: number,
  policy: RetryPolicy,
  context: WriteContext,
  signal: AbortSignal,
  hooks: RetryHooks | undefined,
): Promise<R> {
  let attempts = 0;
  let last: unknown;
  let fatal = false;
  try {
    return await pRetry(
      async (n: number) => {
        if (n > 1) hooks?.retry?.(last, n);
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
      { ...backoff(policy, Date.now() - startedMs), factor: 2, minTimeout: policy.minDelayMs, maxTimeout: policy.maxDelayMs, randomize: true, signal },
    );
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    const failure = last ?? error;
    if (fatal || attempts === 0) throw context.asThrown === true ? failure : writeFailed(failure, context);
    const seconds = ((Date.now() - startedMs) / 1000).toFixed(1);
    throw new RetriesExhaustedError(
      `${context.stage}: gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} in ${seconds} s: ${describe(last)}: ${messageOf(last)}${about(context)}`,
      { cause: last, attempts, statement: context.statement, key: context.key, stage: context.stage, ...context.where },
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
