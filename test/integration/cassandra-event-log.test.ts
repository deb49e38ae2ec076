// eventLogSink against the real Cassandra node: redeliveries are extra rows of one event id
// in one bucket, found by a partition scan; an aggregate's history comes back in event-time order.
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, fromArray } from 'dendrites';
import { type EventLogEntry, bucketOf, cassandraQuery, createEventLogTables, createKeyspace, dropKeyspace, eventLogSink, newDeliveryId } from 'dendrites/cassandra';
import { newCassandraClient, randomName } from './env.js';

const ks = randomName('cs_eventlog');
let client: cassandra.Client;

beforeAll(async () => {
  client = newCassandraClient();
  await createKeyspace(client, ks);
  await createEventLogTables(client, ks);
  await createEventLogTables(client, ks); // idempotent
});

afterAll(async () => {
  await dropKeyspace(client, ks).catch(() => undefined);
  await client.shutdown();
});

const HOUR = 3_600_000;
const base = Date.UTC(2026, 10, 23, 10, 0, 0);

/** One delivery of event `n` of `account`, produced to Kafka at `kafkaTs`, happened at `eventTs`. */
function delivery(n: number, account: string, eventTs: number, kafkaTs: number, offset: number): EventLogEntry {
  return {
    event: { id: `cmd-${n}`, parent: null, action: 'deposit', data: { account, amount: n * 10 }, timestamp: eventTs },
    aggregateId: account,
    delivery: { id: newDeliveryId(), kafkaTimestamp: kafkaTs, topic: 'commands', partition: n % 3, offset: String(offset) },
  };
}

describe('eventLogSink (real Cassandra)', () => {
  it('logs redeliveries as extra rows of the same event in the same bucket, and histories in event-time order', async () => {
    // 30 events of 3 accounts, produced in the 10:00 hour (the last three in the 11:00 hour),
    // arriving in reverse event-time order
    const first = Array.from({ length: 30 }, (_, n) => delivery(n, `acct-${n % 3}`, base + n * 60_000, base + 20 * 60_000 + n * 90_000, 100 + n)).reverse();
    // events 4, 7 and 28 are delivered again after a crash: same record (timestamp, offset), new delivery id
    const redelivered = [4, 7, 28].map((n) => {
      const original = first.find((e) => e.event.id === `cmd-${n}`) as EventLogEntry;
      return { ...original, delivery: { ...original.delivery, id: newDeliveryId() } };
    });
    const summary = await fromArray([...first, ...redelivered]).runWith(eventLogSink({ client, keyspace: ks, parallelism: 8 })).done;
    expect(summary.written).toBe(33);

    // the job's view: scan each bucket partition in clustering order, find event ids with more than one row
    const buckets = [bucketOf(base), bucketOf(base + HOUR)];
    expect(buckets.map((b) => b.toISOString())).toEqual(['2026-11-23T10:00:00.000Z', '2026-11-23T11:00:00.000Z']);
    const duplicates: Record<string, string[]> = {};
    let rowsScanned = 0;
    for (const bucket of buckets) {
      const rows = await cassandraQuery({ client: client, query: `SELECT event_id, delivery_id, kafka_offset FROM ${ks}.event_log WHERE bucket = ?`, params: [bucket], pageSize: 7 })
        .runWith(collect())
        .done;
      rowsScanned += rows.length;
      for (let i = 1; i < rows.length; i++) {
        expect(String(rows[i - 1].event_id) <= String(rows[i].event_id)).toBe(true); // sorted by event id
        if (rows[i].event_id === rows[i - 1].event_id) {
          (duplicates[bucket.toISOString()] ??= []).push(String(rows[i].event_id));
          expect(String(rows[i].kafka_offset)).toBe(String(rows[i - 1].kafka_offset));
          expect(String(rows[i].delivery_id)).not.toBe(String(rows[i - 1].delivery_id));
        }
      }
    }
    expect(rowsScanned).toBe(33);
    expect(duplicates).toEqual({ '2026-11-23T10:00:00.000Z': ['cmd-4', 'cmd-7'], '2026-11-23T11:00:00.000Z': ['cmd-28'] });

    // one aggregate's history: event-time order although the events arrived in reverse
    const history = await cassandraQuery({ client: client, query: `SELECT event_id, event_time, data, action FROM ${ks}.event_log_by_aggregate WHERE aggregate_id = ?`, params: ['acct-1'] })
      .runWith(collect())
      .done;
    expect(history.map((r) => r.event_id)).toEqual(['cmd-1', 'cmd-4', 'cmd-4', 'cmd-7', 'cmd-7', 'cmd-10', 'cmd-13', 'cmd-16', 'cmd-19', 'cmd-22', 'cmd-25', 'cmd-28', 'cmd-28']);
    const times = history.map((r) => (r.event_time as Date).getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(JSON.parse(String(history[0].data))).toEqual({ account: 'acct-1', amount: 10 });
    expect(history[0].action).toBe('deposit');
  });

  it('maps other elements with toEntry', async () => {
    const records = [{ id: 'x-1', at: base }];
    const sink = eventLogSink<{ id: string; at: number }>({
      client,
      keyspace: ks,
      bucketMs: 24 * HOUR,
      toEntry: (r) => ({
        event: { id: r.id, action: 'open', data: null, timestamp: r.at },
        aggregateId: 'acct-x',
        delivery: { id: newDeliveryId(), kafkaTimestamp: r.at, topic: 't', partition: 0, offset: '1' },
      }),
    });
    expect((await fromArray(records).runWith(sink).done).written).toBe(1);
    const rows = (await client.execute(`SELECT event_id, parent FROM ${ks}.event_log WHERE bucket = ?`, [bucketOf(base, 24 * HOUR)], { prepare: true })).rows;
    expect(rows.map((r) => [r.event_id, r.parent])).toEqual([['x-1', null]]);
  });
});
