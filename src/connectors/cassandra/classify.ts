/**
 * Which Cassandra failures are worth retrying. A retry is safe when the write either did
 * not happen or would do the same thing twice:
 *
 * - retried: Unavailable, Overloaded, IsBootstrapping, ReadTimeout, NoHostAvailable (also
 *   a client that cannot connect yet: the driver connects again on the next call), a busy
 *   connection (the driver's own back-pressure), a socket closed before the request was
 *   written, and a conditional write that was not applied (re-bound from fresh state by
 *   the retry sink);
 * - retried only for statements marked idempotent: WriteTimeout, a client timeout
 *   (OperationTimedOutError) and a socket closed after the request was written. Either
 *   may have been applied; replaying a non-idempotent write (a counter, a list append)
 *   would apply it twice;
 * - never retried: syntax, invalid query, unauthorized, config, already-exists, bad
 *   credentials, protocol and server errors, read/write failures, a client that was shut
 *   down or whose credentials are refused, and anything that is not a driver error (a bad
 *   bind value is a TypeError).
 *
 * Of the failures not retried, `isRecordError` tells those about ONE element's values
 * (the next element may well be written) from those about the statement, the schema, the
 * cluster or the client (every element would fail the same way).
 */
import { errors, types } from 'cassandra-driver';
import { BadInputError, CassandraError } from '../../errors.js';

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

/** The driver's mark on a failure of the connection under a request (`requestNotWritten`: it never left). */
function socketError(error: unknown): { readonly written: boolean } | undefined {
  if (!(error instanceof errors.DriverError)) return undefined;
  const e = error as { isSocketError?: unknown; requestNotWritten?: unknown };
  return e.isSocketError === true ? { written: e.requestNotWritten !== true } : undefined;
}

/**
 * A NoHostAvailableError that waiting cannot fix: the client was shut down (the driver
 * refuses to connect again), or every host refused the credentials.
 */
function hopeless(error: InstanceType<typeof errors.NoHostAvailableError>): boolean {
  if (/after shutdown/i.test(error.message)) return true;
  const inner = Object.values((error.innerErrors ?? {}) as Record<string, unknown>);
  return inner.length > 0 && inner.every((e) => e instanceof errors.AuthenticationError);
}

/** Classifies a failure of executing a statement that is (or is not) idempotent. */
export function classify(error: unknown, idempotent: boolean): Verdict {
  if (error instanceof NotAppliedError) return 'retry';
  if (error instanceof errors.NoHostAvailableError) return hopeless(error) ? 'fail' : 'retry';
  if (error instanceof errors.BusyConnectionError) return 'retry';
  if (error instanceof errors.OperationTimedOutError) return idempotent ? 'retry' : 'fail';
  const socket = socketError(error);
  if (socket !== undefined) return idempotent || !socket.written ? 'retry' : 'fail';
  if (error instanceof errors.ResponseError && hasCode(error)) {
    if (ALWAYS.has(error.code)) return 'retry';
    if (IF_IDEMPOTENT.has(error.code)) return idempotent ? 'retry' : 'fail';
    return 'fail';
  }
  return 'fail';
}

/**
 * Invalid-request messages that are about the statement or the schema, not about the
 * values bound: every element would fail the same way.
 */
const STATEMENT_PROBLEMS = /does not exist|unconfigured table|undefined column|unknown identifier|markers\(\?\) in CQL/i;

/**
 * Whether a failure that is not retried is about the element's own values, so that the
 * other elements may still be written (what a dead-letter policy parks):
 *
 * - the server refused the values: Invalid (e.g. `Key may not be empty`, `Invalid null
 *   value ... for column`), except the messages that name a missing table, keyspace or
 *   column or a wrong number of bound values (the statement is wrong for every element);
 * - a function the statement calls failed on the values (FunctionFailure);
 * - the driver could not encode a value as its column's type (a TypeError or RangeError,
 *   e.g. `Expected Number, obtained 'abc'`);
 * - binding the element was refused as bad input (a BadInputError).
 *
 * Everything else (syntax, unauthorized, server and protocol errors, timeouts, a client
 * that cannot connect, retries given up) is about the statement, the cluster or the
 * client, and no dead-letter policy hides it.
 */
export function isRecordError(error: unknown): boolean {
  const e = unwrap(error);
  if (e instanceof BadInputError) return true;
  if (e instanceof TypeError || e instanceof RangeError) return true;
  if (e instanceof errors.ResponseError && hasCode(e)) {
    if (e.code === codes.functionFailure) return true;
    return e.code === codes.invalid && !STATEMENT_PROBLEMS.test(e.message);
  }
  return false;
}

/** The driver's error under a CassandraError made of it (`writeFailed` keeps it as the cause). */
function unwrap(error: unknown): unknown {
  return error instanceof CassandraError && error.cause !== undefined ? error.cause : error;
}

/** A short name for a failure, for messages and counters: `WriteTimeout`, `NoHostAvailable`, ... */
export function describe(error: unknown): string {
  if (error instanceof NotAppliedError) return 'NotApplied';
  if (error instanceof errors.NoHostAvailableError) return 'NoHostAvailable';
  if (error instanceof errors.OperationTimedOutError) return 'ClientTimeout';
  if (error instanceof errors.BusyConnectionError) return 'BusyConnection';
  if (socketError(error) !== undefined) return 'SocketClosed';
  if (error instanceof errors.ResponseError && hasCode(error)) {
    for (const [name, code] of Object.entries(codes)) if (code === error.code) return name;
    return `ResponseError(0x${error.code.toString(16)})`;
  }
  return error instanceof Error ? error.name : typeof error;
}
