/**
 * Which Cassandra failures are worth retrying. A retry is safe when the write either did
 * not happen or would do the same thing twice:
 *
 * - retried: Unavailable, Overloaded, IsBootstrapping, ReadTimeout, NoHostAvailable, a
 *   busy connection (the driver's own back-pressure), and a conditional write that was
 *   not applied (re-bound from fresh state by the retry sink);
 * - retried only for statements marked idempotent: WriteTimeout and a client timeout
 *   (OperationTimedOutError). Either may have been applied; replaying a non-idempotent
 *   write (a counter, a list append) would apply it twice;
 * - never retried: syntax, invalid query, unauthorized, config, already-exists, bad
 *   credentials, protocol and server errors, read/write failures, and anything that is
 *   not a driver error (a bad bind value is a TypeError).
 */
import { errors, types } from 'cassandra-driver';

const codes = types.responseErrorCodes;

const ALWAYS = new Set<number>([codes.unavailableException, codes.overloaded, codes.isBootstrapping, codes.readTimeout]);
const IF_IDEMPOTENT = new Set<number>([codes.writeTimeout]);

/** What a failure is: `retry` (safe to try again), `fail` (fail fast, no retry). */
export type Verdict = 'retry' | 'fail';

/** A conditional write (lightweight transaction) that was not applied. */
export class NotAppliedError extends Error {
  override readonly name = 'NotAppliedError';
}

function hasCode(error: unknown): error is { code: number } {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'number';
}

/** Classifies a failure of executing a statement that is (or is not) idempotent. */
export function classify(error: unknown, idempotent: boolean): Verdict {
  if (error instanceof NotAppliedError) return 'retry';
  if (error instanceof errors.NoHostAvailableError) return 'retry';
  if (error instanceof errors.BusyConnectionError) return 'retry';
  if (error instanceof errors.OperationTimedOutError) return idempotent ? 'retry' : 'fail';
  if (error instanceof errors.ResponseError && hasCode(error)) {
    if (ALWAYS.has(error.code)) return 'retry';
    if (IF_IDEMPOTENT.has(error.code)) return idempotent ? 'retry' : 'fail';
    return 'fail';
  }
  return 'fail';
}

/** A short name for a failure, for messages and counters: `WriteTimeout`, `NoHostAvailable`, ... */
export function describe(error: unknown): string {
  if (error instanceof NotAppliedError) return 'NotApplied';
  if (error instanceof errors.NoHostAvailableError) return 'NoHostAvailable';
  if (error instanceof errors.OperationTimedOutError) return 'ClientTimeout';
  if (error instanceof errors.BusyConnectionError) return 'BusyConnection';
  if (error instanceof errors.ResponseError && hasCode(error)) {
    for (const [name, code] of Object.entries(codes)) if (code === error.code) return name;
    return `ResponseError(0x${error.code.toString(16)})`;
  }
  return error instanceof Error ? error.name : typeof error;
}
