// isTransient decides whether kafkaSource waits (and tries again) or fails the run: checked
// here against kafkajs' own error classes, built as kafkajs builds them.
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../../src/errors.js';
import { isTransient } from '../../../src/connectors/kafka/client.js';

const { KafkaJSConnectionError, KafkaJSGroupCoordinatorNotFound, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSRequestTimeoutError, KafkaJSSASLAuthenticationError } = kafkajs;

/** A broker error response as kafkajs turns it into an error (protocol/error.js: type, code, retriable). */
const protocolError = (type: string, code: number, retriable: boolean): Error => new KafkaJSProtocolError(Object.assign(new Error(type), { type, code, retriable }));
/** For kafkajs error classes whose typings say they take no message (they do). */
const withMessage = (ErrorClass: unknown, message: string): Error => new (ErrorClass as new (m: string) => Error)(message);
const refused = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'ECONNREFUSED' });

describe('isTransient', () => {
  it('is true for a broker that is down, restarting or moving, and for kafkajs retries spent on that', () => {
    const connection = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    expect(isTransient(connection)).toBe(true);
    expect(isTransient(new KafkaJSNumberOfRetriesExceeded(connection, { retryCount: 5, retryTime: 4_800 }))).toBe(true);
    expect(isTransient(withMessage(KafkaJSGroupCoordinatorNotFound, 'Failed to find group coordinator'))).toBe(true); // non-retriable for kafkajs
    expect(isTransient(new KafkaJSRequestTimeoutError('Request Heartbeat(key: 12, version: 3) timed out'))).toBe(true);
    expect(isTransient(refused())).toBe(true);
    // kafkajs' retrier wraps so what it got from an inner retrier: new KafkaJSNonRetriableError(e, { cause: e.cause || e })
    const wrapped = new (KafkaJSNonRetriableError as unknown as new (e: Error, options: { cause: unknown }) => Error)(new Error('connect ECONNREFUSED'), { cause: refused() });
    expect(isTransient(wrapped)).toBe(true);
    expect(isTransient(protocolError('COORDINATOR_LOAD_IN_PROGRESS', 14, true))).toBe(true);
    expect(isTransient(protocolError('NOT_COORDINATOR', 16, true))).toBe(true);
    expect(isTransient(protocolError('REBALANCE_IN_PROGRESS', 27, false))).toBe(true);
    expect(isTransient(new KafkaError('commit failed: x', { cause: connection, retriable: true }))).toBe(true);
  });

  it('is false for what waiting does not mend: configuration, authentication, authorization, bugs', () => {
    expect(isTransient(withMessage(KafkaJSSASLAuthenticationError, 'SASL PLAIN authentication failed'))).toBe(false);
    expect(isTransient(protocolError('TOPIC_AUTHORIZATION_FAILED', 29, false))).toBe(false);
    expect(isTransient(protocolError('GROUP_AUTHORIZATION_FAILED', 30, false))).toBe(false);
    expect(isTransient(new KafkaJSNonRetriableError('Consumer group was not initialized, consumer#run must be called first'))).toBe(false);
    expect(isTransient(new TypeError("Cannot read properties of undefined (reading 'offset')"))).toBe(false);
    expect(isTransient(undefined)).toBe(false);
    expect(isTransient('a string')).toBe(false);
  });
});
