// Unit tests of the retry classification: which driver errors a Cassandra sink retries.
// The errors are the driver's own classes, built by hand; no Cassandra is involved.
import { errors, types } from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { BadInputError, CassandraError } from '../../../src/errors.js';
import { NotAppliedError, classify, describe as describeError, isRecordError } from '../../../src/connectors/cassandra/classify.js';

const codes = types.responseErrorCodes;
const response = (code: number): errors.ResponseError => new errors.ResponseError(code, `server said 0x${code.toString(16)}`);

describe('retry classification (unit, no Cassandra)', () => {
  it.each([
    ['Unavailable', codes.unavailableException],
    ['Overloaded', codes.overloaded],
    ['IsBootstrapping', codes.isBootstrapping],
    ['ReadTimeout', codes.readTimeout],
  ])('retries %s whether or not the statement is idempotent', (_, code) => {
    expect(classify(response(code), false)).toBe('retry');
    expect(classify(response(code), true)).toBe('retry');
  });

  it('retries WriteTimeout only for idempotent statements', () => {
    expect(classify(response(codes.writeTimeout), true)).toBe('retry');
    expect(classify(response(codes.writeTimeout), false)).toBe('fail');
  });

  it('retries a client timeout only for idempotent statements', () => {
    const timeout = new errors.OperationTimedOutError('no answer within 12000 ms', '127.0.0.1:9042');
    expect(classify(timeout, true)).toBe('retry');
    expect(classify(timeout, false)).toBe('fail');
    expect(describeError(timeout)).toBe('ClientTimeout');
  });

  it('retries NoHostAvailable, a busy connection and a conditional write not applied', () => {
    expect(classify(new errors.NoHostAvailableError({ '127.0.0.1:9042': new Error('ECONNREFUSED') }), false)).toBe('retry');
    expect(classify(new errors.BusyConnectionError('127.0.0.1:9042', 2048, 1), false)).toBe('retry');
    expect(classify(new NotAppliedError('not applied'), false)).toBe('retry');
  });

  it.each([
    ['syntaxError', codes.syntaxError],
    ['invalid', codes.invalid],
    ['unauthorized', codes.unauthorized],
    ['configError', codes.configError],
    ['alreadyExists', codes.alreadyExists],
    ['badCredentials', codes.badCredentials],
    ['serverError', codes.serverError],
    ['protocolError', codes.protocolError],
    ['writeFailure', codes.writeFailure],
    ['readFailure', codes.readFailure],
    ['functionFailure', codes.functionFailure],
  ])('fails fast on %s, even for idempotent statements', (name, code) => {
    expect(classify(response(code), true)).toBe('fail');
    expect(describeError(response(code))).toBe(name);
  });

  it('fails fast on anything that is not a driver error (a bad bind value, a bug)', () => {
    expect(classify(new TypeError('Expected Number, obtained "x"'), true)).toBe('fail');
    expect(classify(new errors.ArgumentError('bad argument'), true)).toBe('fail');
    expect(classify('a string', true)).toBe('fail');
  });

  it('retries a client that cannot connect yet, but not one shut down or refused its credentials', () => {
    const refused = new errors.NoHostAvailableError({ '127.0.0.1:9042': new Error('connect ECONNREFUSED 127.0.0.1:9042') });
    expect(classify(refused, false)).toBe('retry');
    expect(classify(new errors.NoHostAvailableError(null, 'Connecting after shutdown is not supported'), true)).toBe('fail');
    expect(classify(new errors.NoHostAvailableError({ '127.0.0.1:9042': new errors.AuthenticationError('bad credentials') }), true)).toBe('fail');
  });

  it('retries a connection lost under a request if it was never sent, or if the statement is idempotent', () => {
    const lost = (written: boolean): errors.DriverError => Object.assign(new errors.DriverInternalError('Socket was closed'), { isSocketError: true, requestNotWritten: !written });
    expect(classify(lost(false), false)).toBe('retry');
    expect(classify(lost(true), true)).toBe('retry');
    expect(classify(lost(true), false)).toBe('fail');
    expect(describeError(lost(true))).toBe('SocketClosed');
  });
});

describe('record errors: a failure about one element, not the statement (unit, no Cassandra)', () => {
  const invalid = (message: string): errors.ResponseError => new errors.ResponseError(codes.invalid, message);

  it.each([
    ['a null key', invalid('Invalid null value in condition for column account')],
    ['an empty key', invalid('Key may not be empty')],
    ['a function failing on the values', response(codes.functionFailure)],
    ['a value the driver cannot encode', new TypeError("Expected Number, obtained 'abc'")],
    ['a number out of the column type\'s range', new RangeError('The value of "value" is out of range')],
    ['a bind refusing the element', new BadInputError('no such account')],
  ])('%s is a record error', (_, error) => {
    expect(isRecordError(error)).toBe(true);
    expect(isRecordError(new CassandraError('wrapped', { cause: error }))).toBe(true);
  });

  it.each([
    ['a missing table', invalid('table nope does not exist')],
    ['a missing column', invalid('Undefined column name nope in table ks.t')],
    ['a wrong number of values', invalid('there were 2 markers(?) in CQL but 3 bound variables')],
    ['a syntax error', response(codes.syntaxError)],
    ['unauthorized', response(codes.unauthorized)],
    ['a server error', response(codes.serverError)],
    ['a write failure', response(codes.writeFailure)],
    ['no host', new errors.NoHostAvailableError({})],
    ['a client timeout', new errors.OperationTimedOutError('no answer', '127.0.0.1:9042')],
  ])('%s is not', (_, error) => {
    expect(isRecordError(error)).toBe(false);
  });
});
