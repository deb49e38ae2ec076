// Unit tests of cassandraSink's own logic (parallelism, per-key order, acknowledgements,
// failure) with a scripted client. Writes to a real Cassandra: test/integration/cassandra-sink.test.ts.
import { errors, types } from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { CassandraError, ConfigError, defineSource, fromArray } from 'dendrites';
import { DEAD_LETTER_HEADERS } from 'dendrites/kafka';
import { cassandraBind, cassandraSink } from 'dendrites/cassandra';
import type { KafkaRecord } from '../../src/core/records.js';
import { probeSource } from '../../src/testkit/index.js';
import { ScriptedClient, sleep } from '../connectors/cassandra/fake-client.js';
import { fakeKafka, header, kafkaRecord } from '../connectors/cassandra/fake-kafka.js';

const cql = 'INSERT INTO ks.t (k, v) VALUES (?, ?)';
const bindKv = cassandraBind<{ k: string; v: number }>({ cql, bind: (e) => [e.k, e.v], key: (e) => e.k, idempotent: true });

describe('cassandraSink (unit, scripted client)', () => {
  it('validates its options when built', () => {
    expect(() => cassandraSink({ client: {} as never })).toThrow(ConfigError);
    expect(() => cassandraSink({ client: new ScriptedClient(), parallelism: 0 })).toThrow(/parallelism/);
  });

  it('keeps at most `parallelism` writes in flight and keeps each key in order', async () => {
    const client = new ScriptedClient(async () => {
      await sleep(Math.random() * 3);
    });
    const elements = Array.from({ length: 600 }, (_, i) => ({ k: `k${i % 20}`, v: Math.floor(i / 20) }));
    const summary = await fromArray(elements).via(bindKv).runWith(cassandraSink({ client, parallelism: 8 })).done;
    expect(summary.written).toBe(600);
    expect(client.maxInFlight).toBeLessThanOrEqual(8);
    expect(client.maxInFlight).toBeGreaterThan(1);
    for (let k = 0; k < 20; k++) {
      const values = client.calls.filter((c) => c.params[0] === `k${k}`).map((c) => c.params[1]);
      expect(values).toEqual(Array.from({ length: 30 }, (_, i) => i));
    }
    expect(client.calls[0].options).toMatchObject({ prepare: true, isIdempotent: true });
  });

  it('runs a second write to a key only after the first has finished', async () => {
    const log: string[] = [];
    const client = new ScriptedClient(async (call) => {
      log.push(`start ${String(call.params[0])}${String(call.params[1])}`);
      await sleep(call.params[1] === 1 ? 30 : 1);
      log.push(`end ${String(call.params[0])}${String(call.params[1])}`);
    });
    const elements = [{ k: 'a', v: 1 }, { k: 'b', v: 1 }, { k: 'a', v: 2 }];
    await fromArray(elements).via(bindKv).runWith(cassandraSink({ client, parallelism: 4 })).done;
    expect(log.indexOf('start a2')).toBeGreaterThan(log.indexOf('end a1'));
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1')); // other keys are not held up
  });

  it('acknowledges an element only once its write succeeded, and fails fast naming the statement', async () => {
    const release = new Map<string, () => void>();
    const client = new ScriptedClient(async (call) => {
      const k = String(call.params[0]);
      if (k === 'bad') throw new errors.ResponseError(types.responseErrorCodes.invalid, 'Undefined column name nope');
      await new Promise<void>((resolve) => release.set(k, resolve));
    });
    const acked: string[] = [];
    const items = ['x', 'y'].map((k) => ({ k, v: 1 }));
    let sent = false;
    let pulledAgain: () => void = () => {};
    const secondPull = new Promise<void>((resolve) => (pulledAgain = resolve));
    // a source that tracks delivery, like Kafka's: one chunk with acks, then waits
    const tracked = defineSource<{ k: string; v: number }>('tracked', () => ({
      async pull() {
        if (sent) {
          pulledAgain();
          return new Promise<undefined>(() => {});
        }
        sent = true;
        return { items, acks: items.map((e) => () => void acked.push(e.k)) };
      },
      async cancel() {},
    }));
    const handle = tracked.via(bindKv).runWith(cassandraSink({ client, parallelism: 4 }));
    await secondPull;
    while (release.size < 2) await sleep(1);
    expect(acked).toEqual([]);
    release.get('y')?.();
    while (acked.length === 0) await sleep(1);
    expect(acked).toEqual(['y']);
    // a failing write fails the run at once, though the source's pull is still pending
    const probe = probeSource<{ k: string; v: number }>();
    const failing = probe.source.via(bindKv).runWith(cassandraSink({ client, parallelism: 4 }));
    await probe.expectRequest();
    probe.sendNext({ k: 'bad', v: 1 });
    const error = await failing.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CassandraError);
    expect((error as CassandraError).message).toContain(cql);
    expect((error as CassandraError).statement).toBe(cql);
    expect((error as CassandraError).key).toBe('bad');
    expect((error as CassandraError).retriable).toBe(false);
    expect(client.calls.filter((c) => c.params[0] === 'bad')).toHaveLength(1);
    handle.abort('test over');
    await handle.done.catch(() => undefined);
    expect(acked).toEqual(['y']); // x never succeeded, so it was never acknowledged
  });

  it('names the element\'s coordinates when it fails, or dead-letters the record with onRecordError', async () => {
    const cql = 'INSERT INTO ks.orders (id, n) VALUES (?, ?)';
    // the driver cannot encode 'abc' as an int: a TypeError, as the real driver throws
    const bind = cassandraBind<KafkaRecord>({ cql, bind: (r) => [r.offset, r.offset === '1' ? 'abc' : 1], idempotent: true });
    const client = new ScriptedClient((call) => {
      if (typeof call.params[1] !== 'number') throw new TypeError(`Expected Number, obtained '${String(call.params[1])}'`);
    });
    const records = [0, 1, 2].map((o) => kafkaRecord('orders', 4, o, `v${o}`));
    const error = await fromArray(records).via(bind).runWith(cassandraSink({ client })).done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CassandraError);
    expect((error as CassandraError).message).toContain("TypeError: Expected Number, obtained 'abc'");
    expect((error as CassandraError).message).toContain('topic orders, partition 4, offset 1');
    expect(error).toMatchObject({ topic: 'orders', partition: 4, offset: '1' });

    const { kafka, sent } = fakeKafka();
    const summary = await fromArray(records).via(bind).runWith(cassandraSink({ client, onRecordError: 'dead-letter', deadLetter: { kafka, topic: 'dlt' } })).done;
    expect(summary).toMatchObject({ written: 2, deadLettered: 1 });
    expect(sent.map((m) => header(m.message, DEAD_LETTER_HEADERS.sourceOffset))).toEqual(['1']);
    expect(header(sent[0].message, DEAD_LETTER_HEADERS.error)).toContain("Expected Number, obtained 'abc'");
  });
});
