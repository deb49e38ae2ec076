// The public Kafka admin against the real broker: topics, produce, per-partition lag, waiting for a
// group's commits, and the one-line error when the brokers cannot be reached.
import { afterAll, describe, expect, it } from 'vitest';
import { ignore, KafkaError } from 'dendrites';
import { consumerRecordsDequeue, kafkaAdmin, kafkaSource } from 'dendrites/kafka';
import { kafkaBrokers, randomName } from './env.js';

const admin = kafkaAdmin({ brokers: kafkaBrokers(), logLevel: 'nothing' });
afterAll(() => admin.close());

describe('kafkaAdmin', () => {
  it('creates topics, produces, reports lag per partition, waits for the commits, deletes', async () => {
    const topic = randomName('admin_topic');
    const groupId = randomName('admin_group');
    expect(await admin.createTopics([topic, topic], { partitions: 3 })).toEqual([topic]);
    expect(await admin.createTopics([topic], { partitions: 3 })).toEqual([]); // already there
    const messages = Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 5}`, value: `v${i}` }));
    expect(await admin.produce(topic, messages)).toBe(30);
    expect(await admin.topicSize(topic)).toBe(30);

    const before = await admin.lag(groupId, topic);
    expect(before.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(before.partitions.every((p) => p.committed === undefined && p.lag === p.high - p.low)).toBe(true);
    expect({ total: before.total, committed: before.committed, lag: before.lag }).toEqual({ total: 30, committed: 0, lag: 30 });

    const run = kafkaSource({ brokers: kafkaBrokers(), groupId, topics: [topic], fromBeginning: true, commitIntervalMs: 100 }).via(consumerRecordsDequeue()).runWith(ignore());
    const after = await admin.untilCommitted(groupId, topic, { timeoutMs: 60_000, failed: run.done });
    await run.stop();
    expect({ total: after.total, committed: after.committed, lag: after.lag }).toEqual({ total: 30, committed: 30, lag: 0 });
    expect(after.partitions.every((p) => p.committed === p.high)).toBe(true);

    expect(await admin.deleteTopics([topic])).toEqual([topic]);
    expect(await admin.deleteTopics([topic])).toEqual([]);
  });

  it('untilCommitted gives up after timeoutMs with a KafkaError saying how far the group got', async () => {
    const topic = randomName('admin_wait');
    await admin.createTopics([topic]);
    await admin.produce(topic, [{ value: 'x' }]);
    const error = await admin.untilCommitted(randomName('nobody'), topic, { timeoutMs: 500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaError);
    expect(String((error as Error).message)).toMatch(/committed 0 of 1 records of .* within 500 ms/);
    await admin.deleteTopics([topic]);
  });

  it('an unreachable broker is one line naming where it looked', async () => {
    const nowhere = kafkaAdmin({ brokers: ['127.0.0.1:1'], logLevel: 'nothing' });
    try {
      const error = await nowhere.topicSize('t').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KafkaError);
      const message = (error as Error).message;
      expect(message).toContain('127.0.0.1:1');
      expect(message).not.toContain('\n');
    } finally {
      await nowhere.close();
    }
  }, 120_000);

  it('bad options are a ConfigError when called', async () => {
    await expect(admin.createTopics(['t'], { partitions: 0 })).rejects.toThrow(/partitions must be a whole number of at least 1/);
    expect(() => kafkaAdmin({})).toThrow(/brokers must be a non-empty list/);
  });
});
