import { describe, expect, it } from 'vitest';
import { ConfigError } from 'dendrites';
import { deadLetter, kafkaSink, kafkaSource } from 'dendrites/kafka';
import { defaultMaxUnacknowledged } from '../../src/stages/kafka-source.js';

// Options are validated when a stage is built, before anything connects.
describe('Kafka stage options', () => {
  const brokers = ['127.0.0.1:1'];
  it('kafkaSource refuses bad options', () => {
    expect(() => kafkaSource({ brokers, groupId: '', topics: ['t'] })).toThrow(ConfigError);
    expect(() => kafkaSource({ brokers, groupId: 'g', topics: [] })).toThrow(/topics/);
    expect(() => kafkaSource({ brokers: [], groupId: 'g', topics: ['t'] })).toThrow(/brokers/);
    expect(() => kafkaSource({ groupId: 'g', topics: ['t'] })).toThrow(/brokers/);
    expect(() => kafkaSource({ brokers, groupId: 'g', topics: ['t'], heartbeatIntervalMs: 5000, sessionTimeoutMs: 4000 })).toThrow(/heartbeatIntervalMs/);
    expect(() => kafkaSource({ brokers, groupId: 'g', topics: ['t'], drainOnRebalanceMs: 60_000 })).toThrow(/drainOnRebalanceMs \(60000\) must be below rebalanceTimeoutMs \(60000\)/);
    expect(() => kafkaSource({ brokers, groupId: 'g', topics: ['t'], drainOnRebalanceMs: 5_000, rebalanceTimeoutMs: 4_000 })).toThrow(/drainOnRebalanceMs/);
    expect(() => kafkaSource({ brokers, groupId: 'g', topics: ['t'], drainOnRebalanceMs: -1 })).toThrow(ConfigError);
    expect(() => kafkaSource({ brokers, groupId: 'g', topics: ['t'], drainOnRebalanceMs: 0 })).not.toThrow();
    expect(() => kafkaSource({ brokers, groupId: 'g', topics: ['t'], commitEveryN: 0 })).toThrow(/commitEveryN/);
    expect(() => kafkaSource({ brokers, groupId: 'g', topics: ['t'], commitIntervalMs: 1.5 })).toThrow(/commitIntervalMs/);
    expect(() => kafkaSource({ brokers, groupId: 'g', topics: ['t'], maxBytes: 0 })).toThrow(/maxBytes/);
    expect(() => kafkaSource({ brokers, groupId: 'g', topics: ['t'], maxBytes: 65_536, maxBytesPerPartition: 131_072 })).toThrow(/maxBytes \(65536\) must be at least maxBytesPerPartition/);
    expect(() => kafkaSource({ brokers, groupId: 'g', topics: ['t'], giveUpAfterMs: 0 })).toThrow(/giveUpAfterMs must be a whole number of at least 1, got 0/);
    expect(() => kafkaSource({ brokers, groupId: 'g', topics: ['t'], giveUpAfterMs: Number.NaN })).toThrow(/giveUpAfterMs/);
    expect(kafkaSource({ brokers, groupId: 'g', topics: ['t'], giveUpAfterMs: 60_000 })).toBeDefined();
    expect(kafkaSource({ brokers, groupId: 'g', topics: ['t'], maxBytes: 1_048_576, maxBytesPerPartition: 262_144 })).toBeDefined();
    expect(kafkaSource({ brokers, groupId: 'g', topics: ['t'] })).toBeDefined();
  });
  it('kafkaSource validates maxUnacknowledged; its default is sized to the fetch bound', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => kafkaSource({ brokers, groupId: 'g', topics: ['t'], maxUnacknowledged: bad })).toThrow(/kafkaSource: maxUnacknowledged must be a whole number of at least 1/);
    }
    expect(kafkaSource({ brokers, groupId: 'g', topics: ['t'], maxUnacknowledged: 1 })).toBeDefined();
    // 4 fetches of 64-byte records, at least 10,000
    expect(defaultMaxUnacknowledged(10_485_760)).toBe(655_360); // kafkaSource's default maxBytes
    expect(defaultMaxUnacknowledged(262_144)).toBe(16_384); // the command graphs' maxBytes
    expect(defaultMaxUnacknowledged(65_536)).toBe(10_000);
  });
  it('kafkaSink and deadLetter refuse bad options', () => {
    expect(() => kafkaSink({ brokers, maxInFlightRequests: 6 })).toThrow(/at most 5/);
    expect(() => kafkaSink({ brokers, batchSize: 0 })).toThrow(ConfigError);
    expect(() => kafkaSink({ brokers, topic: '' })).toThrow(ConfigError);
    expect(() => deadLetter({ brokers, topic: '' })).toThrow(ConfigError);
    expect(deadLetter({ brokers, topic: 'dlq' })).toBeDefined();
  });
  it('a source stopped before its first pull completes without connecting', async () => {
    const handle = kafkaSource({ brokers, groupId: 'g', topics: ['t'] }).runWith((await import('../../src/index.js')).collect());
    const result = await handle.stop({ timeoutMs: 2000 });
    expect(result).toEqual([]);
  });
});
