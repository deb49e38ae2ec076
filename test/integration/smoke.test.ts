// Smoke test of the local services: 1,000 messages through a 3-partition Kafka topic and
// 1,000 rows through a Cassandra table, each in freshly named resources that are dropped after.
import cassandra from 'cassandra-driver';
import { Partitioners, type Admin, type Consumer, type Producer } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { newCassandraClient, newKafka, randomName } from './env.js';

const N = 1000;

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

describe('kafka', () => {
  const kafka = newKafka();
  const topic = randomName('smoke');
  const admin: Admin = kafka.admin();
  const producer: Producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const consumer: Consumer = kafka.consumer({ groupId: randomName('smoke_group') });

  afterAll(async () => {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('produces and consumes 1,000 messages on a 3-partition topic, each once', async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    await producer.connect();
    const messages = Array.from({ length: N }, (_, i) => ({ key: `key-${i}`, value: `value-${i}` }));
    for (let i = 0; i < N; i += 100) await producer.send({ topic, messages: messages.slice(i, i + 100) });

    const received: { partition: number; key: string; value: string }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        received.push({ partition, key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' });
      },
    });
    await until(() => received.length >= N, 60_000);
    await new Promise((r) => setTimeout(r, 500)); // would reveal duplicates
    await consumer.stop();

    expect(received).toHaveLength(N);
    expect(new Set(received.map((m) => m.key)).size).toBe(N);
    for (const m of received) expect(m.value).toBe(m.key.replace('key-', 'value-'));
    expect(new Set(received.map((m) => m.partition))).toEqual(new Set([0, 1, 2]));
  });
});

describe('cassandra', () => {
  const keyspace = randomName('smoke');
  const client = newCassandraClient();

  afterAll(async () => {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
    await client.shutdown();
  });

  it('writes and reads 1,000 rows in a random keyspace', async () => {
    await client.execute(
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    await client.execute(`CREATE TABLE ${keyspace}.items (bucket int, id int, payload text, PRIMARY KEY (bucket, id))`);
    const rows = Array.from({ length: N }, (_, i) => [i % 10, i, `payload-${i}`]);
    await cassandra.concurrent.executeConcurrent(
      client,
      `INSERT INTO ${keyspace}.items (bucket, id, payload) VALUES (?, ?, ?)`,
      rows,
      { concurrencyLevel: 32 },
    );

    const count = await client.execute(`SELECT COUNT(*) AS n FROM ${keyspace}.items`);
    expect(Number(count.first().get('n'))).toBe(N);

    const seen = new Map<number, string>();
    let pageState: string | undefined;
    do {
      const page = await client.execute(`SELECT id, payload FROM ${keyspace}.items`, [], {
        prepare: true,
        fetchSize: 300,
        ...(pageState !== undefined ? { pageState } : {}),
      });
      for (const row of page.rows) seen.set(row.get('id') as number, row.get('payload') as string);
      pageState = page.pageState ?? undefined;
    } while (pageState !== undefined);
    expect(seen.size).toBe(N);
    for (let i = 0; i < N; i++) expect(seen.get(i)).toBe(`payload-${i}`);
  });
});
