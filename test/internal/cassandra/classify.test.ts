// Unit tests of the retry classification: which driver errors a Cassandra sink retries.
// The errors are the driver's own classes, built by hand; no Cassandra is involved.
import { errors, types } from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { NotAppliedError, classify, describe as describeError } from '../../../src/internal/cassandra/classify.js';

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
});
