import { describe, expect, it } from 'vitest';
import { CassandraError, ConfigError, collect, defineSource, fromArray } from 'dendrites';
import { cassandraBind } from 'dendrites/cassandra';
import type { KafkaRecord } from '../../src/core/records.js';
import { kafkaRecord } from '../connectors/cassandra/fake-kafka.js';

const cql = 'INSERT INTO ks.t (k, v) VALUES (?, ?)';

describe('cassandraBind', () => {
  it('binds each element, keeping the element, its key and idempotence', async () => {
    const bind = cassandraBind<{ k: string; v: number }>({ cql, bind: (e) => [e.k, e.v], key: (e) => e.k, idempotent: true });
    const out = await fromArray([{ k: 'a', v: 1 }, { k: 'b', v: 2 }]).via(bind).runWith(collect()).done;
    expect(out.map(({ query, params, key, idempotent, item }) => ({ query, params, key, idempotent, item }))).toEqual([
      { query: cql, params: ['a', 1], key: 'a', idempotent: true, item: { k: 'a', v: 1 } },
      { query: cql, params: ['b', 2], key: 'b', idempotent: true, item: { k: 'b', v: 2 } },
    ]);
    expect(await out[0].rebind?.()).toMatchObject({ params: ['a', 1] });
  });

  it('validates options when built', () => {
    expect(() => cassandraBind({ cql: '', bind: () => [] })).toThrow(ConfigError);
    expect(() => cassandraBind({ cql, bind: 'no' as never })).toThrow(ConfigError);
  });

  it('fails naming the statement and the key when bind throws or gives the wrong number of parameters', async () => {
    const throwing = cassandraBind<string>({ cql, bind: () => { throw new Error('no amount'); }, key: (k) => k });
    const e1 = await fromArray(['k1']).via(throwing).runWith(collect()).done.catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(CassandraError);
    expect((e1 as CassandraError).message).toContain(cql);
    expect((e1 as CassandraError).message).toContain('no amount');
    expect((e1 as CassandraError).key).toBe('k1');
    const short = cassandraBind<string>({ cql, bind: (k) => [k], key: (k) => k });
    const e2 = await fromArray(['k2']).via(short).runWith(collect()).done.catch((e: unknown) => e);
    expect((e2 as CassandraError).message).toMatch(/2 markers but bind gave 1/);
    expect((e2 as CassandraError).statement).toBe(cql);
  });

  it('names the Kafka topic, partition and offset of an element that carries them when bind throws', async () => {
    const throwing = cassandraBind<KafkaRecord>({ cql, bind: () => { throw new Error('no amount'); } });
    const error = await fromArray([kafkaRecord('orders', 3, 41, 'v')]).via(throwing).runWith(collect()).done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CassandraError);
    expect((error as CassandraError).message).toContain('topic orders, partition 3, offset 41');
    expect(error).toMatchObject({ topic: 'orders', partition: 3, offset: '41' });
  });

  it('drops and acknowledges an element bound to null, passes on the others with their acks', async () => {
    const acked: number[] = [];
    let sent = false;
    const source = defineSource<number>('tracked', () => ({
      async pull() {
        if (sent) return undefined;
        sent = true;
        return { items: [1, 2, 3], acks: [1, 2, 3].map((n) => () => void acked.push(n)) };
      },
      async cancel() {},
    }));
    const bind = cassandraBind<number>({ cql, bind: async (n) => (n === 2 ? null : [n, n]) });
    const out = await source.via(bind).runWith(collect()).done; // collect acknowledges what it takes
    expect(out.map((b) => b.item)).toEqual([1, 3]);
    expect(acked.sort()).toEqual([1, 2, 3]);
  });
});
