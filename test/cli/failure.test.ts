// What the CLI says for each kind of failure, from the errors the real clients throw.
import cassandra from 'cassandra-driver';
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ConfigError, KafkaError, RetriesExhaustedError, StageFailedError } from 'dendrites';
import { UsageError } from '../../src/cli/args.js';
import { failureOf, oneLine } from '../../src/cli/failure.js';
import { ServicesError } from '../../services/proc.js';

const settings = { kafkaBrokers: ['10.9.8.7:9092'], cassandraContactPoints: ['10.9.8.7:9042', '10.9.8.6:9042'], cassandraLocalDc: 'dc1' };

function refused(port: number): Error {
  // What node's net module gives a client whose connection is refused (message, code, and a stack).
  return Object.assign(new Error(`connect ECONNREFUSED 10.9.8.7:${port}`), { code: 'ECONNREFUSED', errno: -111, syscall: 'connect' });
}

describe('failureOf', () => {
  it('bad arguments exit 2, on one line', () => {
    expect(failureOf(new UsageError('--keyspace is required'), settings)).toEqual({ code: 2, message: '--keyspace is required' });
    expect(failureOf(new ConfigError('compensate: since (x)\nis after until (y)'), settings)).toEqual({ code: 2, message: 'compensate: since (x) is after until (y)' });
  });

  it('Cassandra not reachable: one line naming the contact points, each host tried and what to do', () => {
    const error = new cassandra.errors.NoHostAvailableError({ '10.9.8.7:9042': refused(9042), '10.9.8.6:9042': refused(9042) });
    expect(error.message).toContain('\n'); // the driver's own message embeds a stack trace
    const failure = failureOf(error, settings);
    expect(failure).toEqual({
      code: 1,
      message:
        'cannot reach Cassandra at 10.9.8.7:9042,10.9.8.6:9042 (NoHostAvailableError: 10.9.8.7:9042: connect ECONNREFUSED 10.9.8.7:9042, ' +
        '10.9.8.6:9042: connect ECONNREFUSED 10.9.8.7:9042); start it with `dendrites services up` or set CASSANDRA_CONTACT_POINTS',
    });
  });

  it('Cassandra not reachable behind the library: found in the cause chain', () => {
    const noHost = new cassandra.errors.NoHostAvailableError({ '10.9.8.7:9042': refused(9042) });
    const wrapped = new RetriesExhaustedError('event-log: gave up after 3 attempts', { attempts: 3, cause: new StageFailedError('x', { cause: noHost }) });
    expect(failureOf(wrapped, settings).message).toMatch(/^cannot reach Cassandra at 10\.9\.8\.7:9042,10\.9\.8\.6:9042 \(NoHostAvailableError: 10\.9\.8\.7:9042: connect ECONNREFUSED/);
  });

  it('Kafka not reachable, as kafkajs throws it: the innermost kafkajs error, the brokers and what to do', () => {
    const connection = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 10.9.8.7:9092', { broker: '10.9.8.7:9092', code: 'ECONNREFUSED' });
    const retries = new KafkaJSNumberOfRetriesExceeded(connection, { retryCount: 5, retryTime: 3000 });
    expect(failureOf(retries, settings)).toEqual({
      code: 1,
      message: 'cannot reach Kafka at 10.9.8.7:9092 (KafkaJSConnectionError: Connection error: connect ECONNREFUSED 10.9.8.7:9092); start it with `dendrites services up` or set KAFKA_BROKERS',
    });
  });

  it('Kafka not reachable, as kafkaAdmin words it (a KafkaError caused by kafkajs errors)', () => {
    const connection = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 10.9.8.7:9092', { broker: '10.9.8.7:9092', code: 'ECONNREFUSED' });
    const error = new KafkaError('cannot connect to Kafka at 10.9.8.7:9092: Connection error: connect ECONNREFUSED 10.9.8.7:9092', { cause: connection, retriable: true });
    expect(failureOf(error, settings).message).toBe(
      'cannot reach Kafka at 10.9.8.7:9092 (KafkaJSConnectionError: Connection error: connect ECONNREFUSED 10.9.8.7:9092); start it with `dendrites services up` or set KAFKA_BROKERS',
    );
  });

  it('other Kafka and Cassandra failures: one line, exit 1, no stack', () => {
    const protocol = new KafkaJSProtocolError(Object.assign(new Error('Topic authorization failed'), { type: 'TOPIC_AUTHORIZATION_FAILED', code: 29, retriable: false }));
    expect(failureOf(protocol, settings)).toEqual({ code: 1, message: 'Kafka: KafkaJSProtocolError: Topic authorization failed' });
    const response = new cassandra.errors.ResponseError(0x2200, 'Keyspace ks does not exist');
    expect(failureOf(response, settings)).toEqual({ code: 1, message: 'Cassandra: ResponseError: Keyspace ks does not exist' });
    expect(failureOf(new KafkaError('group g committed 3 of 10 records of t within 1000 ms'), settings)).toEqual({ code: 1, message: 'group g committed 3 of 10 records of t within 1000 ms' });
  });

  it('the local services: a server that never became healthy is named like any other', () => {
    const error = new ServicesError('kafka did not become healthy within 1s (last error: Connection error: connect ECONNREFUSED 10.9.8.7:9092)');
    expect(failureOf(error, settings)).toEqual({
      code: 1,
      message:
        'cannot reach Kafka at 10.9.8.7:9092 (kafka did not become healthy within 1s (last error: Connection error: connect ECONNREFUSED 10.9.8.7:9092)); start it with `dendrites services up` or set KAFKA_BROKERS',
    });
    expect(failureOf(new ServicesError('Java not found on PATH: install a JDK 17 or newer (or start a Docker engine).'), settings)).toEqual({ code: 1, message: 'Java not found on PATH: install a JDK 17 or newer (or start a Docker engine).' });
  });

  it('a peer dependency that is not installed is named with the command that installs it', () => {
    // Here the peers are installed (devDependencies), so only the one in the error is named.
    const error = Object.assign(new Error("Cannot find package 'cassandra-driver' imported from /x/node_modules/dendrites/dist/src/cli/connect.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    expect(failureOf(error, settings)).toEqual({ code: 1, message: 'this command needs the npm package cassandra-driver, a peer dependency of dendrites that is not installed: npm install cassandra-driver' });
    const other = Object.assign(new Error("Cannot find package 'left-pad' imported from /x/domain.js\n  at x"), { code: 'ERR_MODULE_NOT_FOUND' });
    expect(failureOf(other, settings)).toEqual({ code: 1, message: "Cannot find package 'left-pad' imported from /x/domain.js" });
  });

  it('an error nobody expected keeps its stack trace', () => {
    const bug = new TypeError('cannot read properties of undefined');
    const failure = failureOf(bug, settings);
    expect(failure.code).toBe(1);
    expect(failure.message).toBe('TypeError: cannot read properties of undefined');
    expect(failure.stack).toContain('failure.test.ts');
  });
});

describe('oneLine', () => {
  it('joins lines with single spaces', () => {
    expect(oneLine('a\n   b\r\n c  ')).toBe('a b c');
  });
});
