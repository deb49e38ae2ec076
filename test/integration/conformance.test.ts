// Conformance of the prebuilt stages that need Kafka or Cassandra (test/conformance/harness.ts
// has the properties; test/conformance/stages.test.ts the in-memory stages), against the real
// broker and node: each case makes its own random topic or table. A new stage: add its line.
import type cassandra from 'cassandra-driver';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll } from 'vitest';
import { BadInputError } from 'dendrites';
import { type BoundStatement, cassandraQuery, cassandraRetrySink, cassandraSink, createEventLogTables, createKeyspace, dropKeyspace, type EventLogEntry, eventLogSink, EVENT_LOG_BY_AGGREGATE_TABLE, newDeliveryId } from 'dendrites/cassandra';
import { type Decoded, deadLetter, kafkaSink, kafkaSource, type KafkaRecord, type OutgoingMessage } from 'dendrites/kafka';
import { conformance, flow, type Input, sink, source } from '../conformance/harness.js';
import { kafkaBrokers, newCassandraClient, newKafka, randomName } from './env.js';
import { createTopic, produce } from './fixtures/kafka-helpers.js';

let admin: Admin;
let client: cassandra.Client;
const keyspace = randomName('conformance');
const topics: string[] = [];

beforeAll(async () => {
  admin = newKafka().admin();
  await admin.connect();
  client = newCassandraClient();
  await createKeyspace(client, keyspace);
  await client.execute(`CREATE TABLE ${keyspace}.kv (k text PRIMARY KEY, v int)`);
  await createEventLogTables(client, keyspace);
});

afterAll(async () => {
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
  await dropKeyspace(client, keyspace).catch(() => undefined);
  await client.shutdown();
});

/** A new single-partition topic, deleted after the suite. */
async function topic(prefix: string): Promise<string> {
  const name = randomName(prefix);
  await createTopic(admin, name, 1);
  topics.push(name);
  return name;
}

/** A topic holding `count` records, read by a new consumer group from the beginning (every other option the default). */
async function consumed(count: number) {
  const t = await topic('conf_src');
  await produce(
    t,
    Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
  );
  return kafkaSource({ brokers: kafkaBrokers(), groupId: randomName('conf_group'), topics: [t], fromBeginning: true });
}

/** A table of `count` rows. */
async function rows(count: number): Promise<string> {
  const table = `${keyspace}.${randomName('rows')}`;
  await client.execute(`CREATE TABLE ${table} (k int PRIMARY KEY)`);
  for (let i = 0; i < count; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => client.execute(`INSERT INTO ${table} (k) VALUES (?)`, [i + j], { prepare: true })));
  }
  return table;
}

/** A Kafka sink to a new topic; an element counts as processed once the topic holds at least as many messages as were acknowledged by then. */
async function kafkaSinkCase() {
  const t = await topic('conf_sink');
  let acked = 0;
  const processed = async (): Promise<boolean> => {
    const k = ++acked;
    const [p] = await admin.fetchTopicOffsets(t);
    return Number(p.high) >= k;
  };
  return { sink: kafkaSink({ brokers: kafkaBrokers(), topic: t }), processed };
}

let keys = 0;
/** An upsert of a key never used before (elements of every run differ, so a row found is this run's). */
const upsert: Input<BoundStatement<number>> = (i) => {
  const k = `k${keys++}`;
  return { query: `INSERT INTO ${keyspace}.kv (k, v) VALUES (?, ?)`, params: [k, i], key: k, idempotent: true, item: i };
};
/** Whether the row an upsert writes is in the table. */
const written = async (bound: BoundStatement<number>): Promise<boolean> => {
  const result = await client.execute(`SELECT v FROM ${keyspace}.kv WHERE k = ?`, [bound.key], { prepare: true });
  return result.rows.length === 1;
};

/** One delivery of an event of an aggregate never used before. */
const logEntry: Input<EventLogEntry> = (i) => ({
  event: { id: `e${keys}`, parent: null, action: 'deposit', data: { i }, timestamp: Date.now() },
  aggregateId: `a${keys++}`,
  delivery: { id: newDeliveryId(), kafkaTimestamp: Date.now(), topic: 'commands', partition: 0, offset: String(i) },
});
/** Whether an entry's row is in the aggregate's history. */
const logged = async (entry: EventLogEntry): Promise<boolean> => {
  const result = await client.execute(`SELECT event_id FROM ${keyspace}.${EVENT_LOG_BY_AGGREGATE_TABLE} WHERE aggregate_id = ?`, [entry.aggregateId], { prepare: true });
  return result.rows.length === 1;
};

/** Decoded records, every fourth bad (deadLetter produces it to the dead-letter topic and acknowledges it). */
const decoded: Input<Decoded<number>> = (i) => {
  const record: KafkaRecord = { topic: 'commands', partition: 0, offset: String(i), key: null, value: Buffer.from(`v${i}`), timestamp: '0', headers: {} };
  return i % 4 === 3 ? { ok: false, error: new BadInputError(`bad ${i}`, { stage: 'decode' }), record } : { ok: true, value: i, record };
};

const outgoing: Input<OutgoingMessage> = (i) => ({ key: `k${i}`, value: `v${i}` });

conformance(
  [
    source('kafkaSource', { make: (count) => consumed(count), endless: true }),
    source('cassandraQuery', { make: async (count) => cassandraQuery({ client: client, query: `SELECT k FROM ${await rows(count)}` }) }),
    source('cassandraQuery paged', { make: async (count) => cassandraQuery({ client: client, query: `SELECT k FROM ${await rows(count)}`, params: [], pageSize: 10 }) }),
    flow('deadLetter', { make: async () => deadLetter<number>({ brokers: kafkaBrokers(), topic: await topic('conf_dlq') }), input: decoded }),
    sink('kafkaSink', { make: kafkaSinkCase, input: outgoing }),
    sink('cassandraSink', { make: () => ({ sink: cassandraSink<number>({ client }), processed: written }), input: upsert }),
    sink('cassandraRetrySink', { make: () => ({ sink: cassandraRetrySink<number>({ client }), processed: written }), input: upsert }),
    sink('eventLogSink', { make: () => ({ sink: eventLogSink({ client, keyspace }), processed: logged }), input: logEntry }),
  ],
  { promptMs: 10_000, plenty: 200 },
);
