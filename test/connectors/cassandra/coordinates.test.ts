// Unit tests of where the Cassandra sinks find an element's Kafka coordinates and record.
import { describe, expect, it } from 'vitest';
import { coordinatesOf, describeCoordinates, recordOf } from '../../../src/connectors/cassandra/coordinates.js';
import { kafkaRecord } from './fake-kafka.js';

describe('an element\'s Kafka coordinates and record (unit)', () => {
  const record = kafkaRecord('orders', 2, 17, 'v');
  const where = { topic: 'orders', partition: 2, offset: '17' };

  it('finds them on a Kafka record, a decoded record and a delivery', () => {
    expect(coordinatesOf(record)).toEqual(where);
    expect(recordOf(record)).toBe(record);
    expect(coordinatesOf({ ok: true, value: 1, record })).toEqual(where);
    expect(recordOf({ ok: true, value: 1, record })).toBe(record);
    const delivery = { command: {}, commandId: 'c', delivery: { id: 'd', kafkaTimestamp: 1, topic: 'orders', partition: 2, offset: 17n, record } };
    expect(coordinatesOf(delivery)).toEqual(where);
    expect(recordOf(delivery)).toBe(record);
    expect(describeCoordinates(where)).toBe('topic orders, partition 2, offset 17');
  });

  it('finds coordinates without a record on a delivery built by hand, and nothing on other elements', () => {
    const delivery = { delivery: { id: 'd', kafkaTimestamp: 1, topic: 't', partition: 0, offset: '5' } };
    expect(coordinatesOf(delivery)).toEqual({ topic: 't', partition: 0, offset: '5' });
    expect(recordOf(delivery)).toBeUndefined();
    for (const item of [undefined, null, 42, 'x', { k: 'a', v: 1 }, { topic: 't', partition: '0', offset: '1' }]) {
      expect(coordinatesOf(item)).toBeUndefined();
      expect(recordOf(item)).toBeUndefined();
    }
  });
});
