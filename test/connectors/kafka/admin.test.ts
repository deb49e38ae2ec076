// kafkaAdmin().createTopics against a kafkajs admin stand-in: what it retries, and what it does not.
import { type Admin, type Kafka, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaAdmin } from '../../../src/connectors/kafka/admin.js';

/** A kafkajs client whose admin's createTopics throws `failures` in turn, then creates the topics. */
function standIn(failures: Error[]): { kafka: Kafka; calls: { create: number }; topics: Set<string> } {
  const topics = new Set<string>();
  const calls = { create: 0 };
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    listTopics: async () => [...topics],
    createTopics: async ({ topics: wanted }: { topics: { topic: string }[] }) => {
      calls.create++;
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      for (const t of wanted) topics.add(t.topic);
      return true;
    },
  } as unknown as Admin;
  return { kafka: { admin: () => admin } as unknown as Kafka, calls, topics };
}

/** What kafkajs throws when a broker that has just restarted does not host a partition yet (retriable). */
function notHostedYet(): Error {
  // kafkajs builds it from its table of protocol errors: a message, a type, a code and whether it is retriable.
  const entry = Object.assign(new Error('This server does not host this topic-partition'), { type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true });
  return new KafkaJSProtocolError(entry);
}

describe('kafkaAdmin().createTopics', () => {
  it('tries again on an error kafkajs calls retriable, and names the topics it created', async () => {
    expect(notHostedYet()).toMatchObject({ retriable: true, type: 'UNKNOWN_TOPIC_OR_PARTITION' });
    const s = standIn([notHostedYet(), notHostedYet()]);
    const admin = kafkaAdmin({ kafka: s.kafka });
    expect(await admin.createTopics(['a', 'b', 'a'])).toEqual(['a', 'b']);
    expect(s.calls.create).toBe(3);
    expect([...s.topics].sort()).toEqual(['a', 'b']);
    await admin.close();
  });

  it('does not try again when kafkajs has retried already: the error comes at once, as a KafkaError', async () => {
    const refused = new KafkaJSNumberOfRetriesExceeded(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { retryCount: 5, retryTime: 3000 });
    const s = standIn([refused]);
    const admin = kafkaAdmin({ kafka: s.kafka });
    await expect(admin.createTopics(['a'])).rejects.toMatchObject({ name: 'KafkaError', message: expect.stringMatching(/^cannot create topics a: .*ECONNREFUSED/) });
    expect(s.calls.create).toBe(1);
    await admin.close();
  });
});
