// Unit tests of cassandraRetrySink's retry decisions and ordering with a scripted client
// (which errors are retried, how often, rebinding a conditional write). The retry sink
// against a real Cassandra outage: test/integration/cassandra-outage.test.ts.
import { errors, types } from 'cassandra-driver';
import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { BadInputError, CassandraError, ConfigError, KafkaError, RetriesExhaustedError, defineSource, fromArray, map } from 'dendrites';
import { DEAD_LETTER_HEADERS } from 'dendrites/kafka';
import { type BoundStatement, cassandraBind, cassandraRetrySink } from 'dendrites/cassandra';
import type { KafkaRecord } from '../../src/core/records.js';
import { ScriptedClient, sleep } from '../connectors/cassandra/fake-client.js';
import { fakeKafka, header, kafkaRecord } from '../connectors/cassandra/fake-kafka.js';

const codes = types.responseErrorCodes;
const cql = 'INSERT INTO ks.t (k, v) VALUES (?, ?)';
const fast = { minDelayMs: 1, maxDelayMs: 5 };
const bindKv = (idempotent: boolean) =>
  cassandraBind<{ k: string; v: number }>({ cql, bind: (e) => [e.k, e.v], key: (e) => e.k, idempotent });

describe('cassandraRetrySink (unit, scripted client)', () => {
  it('validates its options when built', () => {
    expect(() => cassandraRetrySink({ client: new ScriptedClient(), retry: { attempts: 0 } })).toThrow(ConfigError);
    expect(() => cassandraRetrySink({ client: new ScriptedClient(), retry: { giveUpAfterMs: -1 } })).toThrow(/giveUpAfterMs/);
  });

  it('retries Unavailable, Overloaded, NoHostAvailable and client timeouts until the write lands', async () => {
    const failures = [
      new errors.ResponseError(codes.unavailableException, 'Cannot achieve consistency level ONE'),
      new errors.ResponseError(codes.overloaded, 'overloaded'),
      new errors.NoHostAvailableError({}),
      new errors.OperationTimedOutError('timed out', '127.0.0.1:9042'),
      new errors.ResponseError(codes.writeTimeout, 'write timeout'),
    ];
    const client = new ScriptedClient((_, n) => {
      if (n <= failures.length) throw failures[n - 1];
    });
    const summary = await fromArray([{ k: 'a', v: 1 }]).via(bindKv(true)).runWith(cassandraRetrySink({ client, retry: fast })).done;
    expect(summary).toMatchObject({ written: 1, retries: 5 });
    expect(client.calls).toHaveLength(6);
  });

  it('fails fast on a syntax or invalid-query error: no retry spent', async () => {
    for (const code of [codes.syntaxError, codes.invalid, codes.unauthorized]) {
      const client = new ScriptedClient(() => {
        throw new errors.ResponseError(code, 'no');
      });
      const error = await fromArray([{ k: 'a', v: 1 }]).via(bindKv(true)).runWith(cassandraRetrySink({ client, retry: fast })).done.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CassandraError);
      expect(error).not.toBeInstanceOf(RetriesExhaustedError);
      expect((error as CassandraError).statement).toBe(cql);
      expect(client.calls).toHaveLength(1);
    }
  });

  it('does not retry a WriteTimeout of a statement that is not idempotent', async () => {
    const client = new ScriptedClient(() => {
      throw new errors.ResponseError(codes.writeTimeout, 'write timeout');
    });
    const error = await fromArray([{ k: 'a', v: 1 }]).via(bindKv(false)).runWith(cassandraRetrySink({ client, retry: fast })).done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CassandraError);
    expect(client.calls).toHaveLength(1);
  });

  it('gives up after `attempts` with a RetriesExhaustedError carrying the cause and the attempts', async () => {
    const unavailable = new errors.ResponseError(codes.unavailableException, 'Cannot achieve consistency level QUORUM');
    const client = new ScriptedClient(() => {
      throw unavailable;
    });
    const error = await fromArray([{ k: 'a', v: 1 }]).via(bindKv(true)).runWith(cassandraRetrySink({ client, retry: { ...fast, attempts: 4 } })).done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).attempts).toBe(4);
    expect((error as RetriesExhaustedError).cause).toBe(unavailable);
    expect((error as RetriesExhaustedError).key).toBe('a');
    expect(client.calls).toHaveLength(4);
  });

  it('gives up once giveUpAfterMs has passed', async () => {
    const client = new ScriptedClient(async () => {
      await sleep(20);
      throw new errors.NoHostAvailableError({});
    });
    const started = Date.now();
    const error = await fromArray([{ k: 'a', v: 1 }])
      .via(bindKv(true))
      .runWith(cassandraRetrySink({ client, retry: { minDelayMs: 5, maxDelayMs: 10, giveUpAfterMs: 200 } }))
      .done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(client.calls.length).toBeLessThan(20);
  });

  it('re-binds a conditional write that was not applied, with fresh state, until it applies', async () => {
    let version = 0;
    const attempts: number[] = [];
    const client = new ScriptedClient((call) => {
      const expected = call.params[2];
      if (expected !== version || Math.random() < 0.5) return false; // lost the race
      version++;
      return true;
    });
    const bind = cassandraBind<string>({
      cql: 'UPDATE ks.acct SET version = ? WHERE id = ? IF version = ?',
      bind: (id, { attempt }) => {
        attempts.push(attempt);
        return [version + 1, id, version];
      },
      idempotent: true,
    });
    const summary = await fromArray(['a', 'b', 'c', 'd']).via(bind).runWith(cassandraRetrySink({ client, parallelism: 4, retry: { ...fast, attempts: 50 } })).done;
    expect(version).toBe(4);
    expect(summary.written).toBe(4);
    expect(summary.retries).toBe(attempts.length - 4);
    expect(Math.max(...attempts)).toBeGreaterThan(1);
  });

  it('keeps writes to one key in order across retries', async () => {
    const failedOnce = new Set<string>();
    const order: number[] = [];
    const client = new ScriptedClient((call) => {
      const v = Number(call.params[1]);
      if (v % 3 === 0 && !failedOnce.has(String(v))) {
        failedOnce.add(String(v));
        throw new errors.ResponseError(codes.overloaded, 'overloaded');
      }
      order.push(v);
    });
    const elements = Array.from({ length: 30 }, (_, v) => ({ k: 'same', v }));
    await fromArray(elements).via(bindKv(true)).runWith(cassandraRetrySink({ client, parallelism: 8, retry: fast })).done;
    expect(order).toEqual(elements.map((e) => e.v));
  });

  it('rides out a long outage: no bound on attempts by default, retries and waiting in its metrics', async () => {
    let down = true;
    const client = new ScriptedClient(() => {
      if (down) throw new errors.NoHostAvailableError({ '127.0.0.1:9042': new Error('connect ECONNREFUSED') });
    });
    const handle = fromArray([{ k: 'a', v: 1 }, { k: 'b', v: 2 }])
      .via(bindKv(true))
      .runWith(cassandraRetrySink({ client, retry: fast }), { metricsIntervalMs: 10 });
    const during: number[] = [];
    handle.metrics$.subscribe((m) => during.push(m.stages.find((st) => st.stage === 'cassandraRetrySink')?.counters.waiting ?? 0));
    while (client.calls.length < 60) await sleep(5); // 30 attempts each: the old default of 10 would have given up
    down = false;
    const summary = await handle.done;
    expect(summary.written).toBe(2);
    expect(summary.retries).toBe(client.calls.length - 2);
    expect(Math.max(...during)).toBe(2); // both waiting while Cassandra was down
    expect(during.at(-1)).toBe(0); // none once it was back
  });

  it('names the element\'s topic, partition and offset when its write fails or retries run out', async () => {
    const cql = 'INSERT INTO ks.orders (id) VALUES (?)';
    const bind = cassandraBind<KafkaRecord>({ cql, bind: (r) => [r.offset], key: (r) => r.offset, idempotent: true });
    const refusing = new ScriptedClient(() => {
      throw new errors.ResponseError(codes.invalid, 'Key may not be empty');
    });
    const error = await fromArray([kafkaRecord('orders', 2, 17, 'v')]).via(bind).runWith(cassandraRetrySink({ client: refusing, retry: fast })).done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CassandraError);
    expect((error as CassandraError).message).toContain('topic orders, partition 2, offset 17');
    expect(error).toMatchObject({ topic: 'orders', partition: 2, offset: '17', key: '17', statement: cql });
    const down = new ScriptedClient(() => {
      throw new errors.NoHostAvailableError({});
    });
    const exhausted = await fromArray([kafkaRecord('orders', 1, 5, 'v')]).via(bind).runWith(cassandraRetrySink({ client: down, retry: { ...fast, attempts: 3 } })).done.catch((e: unknown) => e);
    expect(exhausted).toBeInstanceOf(RetriesExhaustedError);
    expect((exhausted as RetriesExhaustedError).message).toContain('topic orders, partition 1, offset 5');
    expect(exhausted).toMatchObject({ topic: 'orders', partition: 1, offset: '5', attempts: 3 });
  });

  it('validates onRecordError and deadLetter when built', () => {
    const client = new ScriptedClient();
    expect(() => cassandraRetrySink({ client, onRecordError: 'dead-letter' })).toThrow(/needs deadLetter/);
    expect(() => cassandraRetrySink({ client, onRecordError: 'skip' as never })).toThrow(/onRecordError must be/);
    expect(() => cassandraRetrySink({ client, onRecordError: 'dead-letter', deadLetter: { topic: 'dlt' } })).toThrow(/brokers/);
    expect(() => cassandraRetrySink({ client, onRecordError: 'dead-letter', deadLetter: { topic: '', brokers: ['127.0.0.1:9092'] } })).toThrow(/deadLetter.topic/);
    expect(() => cassandraRetrySink({ client, onRecordError: 'dead-letter', deadLetter: { topic: 'dlt', brokers: ['127.0.0.1:9092'] } })).not.toThrow();
  });

  describe("onRecordError: 'dead-letter'", () => {
    const cql = 'INSERT INTO ks.orders (id, amount) VALUES (?, ?)';
    const bind = cassandraBind<KafkaRecord>({ cql, bind: (r) => [r.offset, r.value?.toString()], key: (r) => String(r.key), idempotent: true });
    const records = Array.from({ length: 6 }, (_, i) => kafkaRecord('orders', 0, i, `amount ${i}`));
    /** A Kafka-like source: one chunk with acknowledgements, then completes. */
    const tracked = (acked: string[]) => {
      let sent = false;
      return defineSource<KafkaRecord>('tracked', () => ({
        async pull() {
          if (sent) return undefined;
          sent = true;
          return { items: records, acks: records.map((r) => () => void acked.push(r.offset)) };
        },
        async cancel() {},
      }));
    };
    const refuseOffset3 = (message = 'Key may not be empty') =>
      new ScriptedClient((call, n) => {
        if (call.params[0] === '3') throw new errors.ResponseError(codes.invalid, message);
        if (call.params[0] === '4' && n < 8) throw new errors.ResponseError(codes.overloaded, 'overloaded'); // retried, not parked
      });

    it('produces a refused record to the dead-letter topic with the reason, acknowledges it and goes on', async () => {
      const { kafka, sent } = fakeKafka();
      const acked: string[] = [];
      const handle = tracked(acked).via(bind).runWith(cassandraRetrySink({ client: refuseOffset3(), retry: fast, onRecordError: 'dead-letter', deadLetter: { kafka, topic: 'orders-dead-letter' } }));
      const metrics = lastValueFrom(handle.metrics$);
      const summary = await handle.done;
      expect(summary).toMatchObject({ written: 5, deadLettered: 1 });
      expect(summary.retries).toBeGreaterThan(0);
      expect([...acked].sort()).toEqual(['0', '1', '2', '3', '4', '5']); // every offset may commit
      expect(sent).toHaveLength(1);
      const { topic, message } = sent[0];
      expect(topic).toBe('orders-dead-letter');
      expect(String(message.key)).toBe('key-3');
      expect(String(message.value)).toBe('amount 3'); // the original bytes
      expect(header(message, 'origin')).toBe('test'); // and headers
      expect(header(message, DEAD_LETTER_HEADERS.error)).toMatch(/^rejected by Cassandra: cassandraRetrySink: invalid: Key may not be empty \(statement: .*topic orders, partition 0, offset 3\)$/);
      expect(header(message, DEAD_LETTER_HEADERS.errorClass)).toBe(BadInputError.name);
      expect(header(message, DEAD_LETTER_HEADERS.stage)).toBe('cassandraRetrySink');
      expect(header(message, DEAD_LETTER_HEADERS.sourceTopic)).toBe('orders');
      expect(header(message, DEAD_LETTER_HEADERS.sourcePartition)).toBe('0');
      expect(header(message, DEAD_LETTER_HEADERS.sourceOffset)).toBe('3');
      const stage = (await metrics).stages.find((st) => st.stage === 'cassandraRetrySink');
      expect(stage).toMatchObject({ out: 5, dropped: 1, inFlight: 0, counters: { deadLettered: 1, waiting: 0 } });
    });

    it('still fails the run on what is not about the element (a missing table), naming it, and parks nothing', async () => {
      const { kafka, sent } = fakeKafka();
      const acked: string[] = [];
      const error = await tracked(acked)
        .via(bind)
        .runWith(cassandraRetrySink({ client: refuseOffset3('table orders does not exist'), retry: fast, onRecordError: 'dead-letter', deadLetter: { kafka, topic: 'dlt' } }))
        .done.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CassandraError);
      expect(error).toMatchObject({ offset: '3' });
      expect(sent).toHaveLength(0);
      expect(acked).not.toContain('3');
    });

    it('handles a statement that could not be bound (it carries a failure) without executing it', async () => {
      const client = new ScriptedClient();
      const failure = new BadInputError('the domain threw for this command (topic orders, partition 0, offset 2)', { topic: 'orders', partition: 0, offset: '2' });
      const unbound = cassandraBind<KafkaRecord>({ cql, bind: (r) => [r.offset, 'x'], idempotent: true }).via(
        map((b: BoundStatement<KafkaRecord>) => (b.item.offset === '2' ? { ...b, failure } : b)),
      );
      const failing = await fromArray(records).via(unbound).runWith(cassandraRetrySink({ client, retry: fast })).done.catch((e: unknown) => e);
      expect(failing).toBe(failure);
      expect(client.calls.map((c) => c.params[0])).not.toContain('2');
      const { kafka, sent } = fakeKafka();
      const summary = await fromArray(records).via(unbound).runWith(cassandraRetrySink({ client, retry: fast, onRecordError: 'dead-letter', deadLetter: { kafka, topic: 'dlt' } })).done;
      expect(summary).toMatchObject({ written: 5, deadLettered: 1 });
      expect(header(sent[0].message, DEAD_LETTER_HEADERS.error)).toBe(failure.message);
      expect(header(sent[0].message, DEAD_LETTER_HEADERS.stage)).toBe('cassandraRetrySink');
    });

    it('fails the run when the element carries no Kafka record, or the dead-letter topic cannot be produced to', async () => {
      const noRecord = cassandraBind<{ id: string }>({ cql, bind: (e) => [e.id, 'x'], idempotent: true });
      const { kafka } = fakeKafka();
      const plain = await fromArray([{ id: '3' }]).via(noRecord).runWith(cassandraRetrySink({ client: refuseOffset3(), retry: fast, onRecordError: 'dead-letter', deadLetter: { kafka, topic: 'dlt' } })).done.catch((e: unknown) => e);
      expect(plain).toBeInstanceOf(CassandraError);
      const broken = fakeKafka(new Error('broker down'));
      const acked: string[] = [];
      const error = await tracked(acked)
        .via(bind)
        .runWith(cassandraRetrySink({ client: refuseOffset3(), retry: fast, onRecordError: 'dead-letter', deadLetter: { kafka: broken.kafka, topic: 'dlt' } }))
        .done.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KafkaError);
      expect(acked).not.toContain('3'); // delivered again after a restart
    });
  });
});
