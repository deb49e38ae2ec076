import { types } from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { newDeliveryId } from '../../../src/connectors/cassandra/event-log.js';

describe('newDeliveryId', () => {
  it('is a version-1 UUID of now that the driver reads as a TimeUuid', () => {
    const before = Date.now();
    const id = newDeliveryId();
    const after = Date.now();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const { date } = types.TimeUuid.fromString(id).getDatePrecision();
    expect(date.getTime()).toBeGreaterThanOrEqual(before);
    expect(date.getTime()).toBeLessThanOrEqual(after + 1);
  });

  it('never repeats and only grows in time, also past 10,000 ids in a millisecond', () => {
    const ids = Array.from({ length: 50_000 }, () => newDeliveryId());
    expect(new Set(ids).size).toBe(ids.length);
    const times = ids.map((id) => {
      const { date, ticks } = types.TimeUuid.fromString(id).getDatePrecision();
      return [date.getTime(), ticks] as const;
    });
    for (let i = 1; i < times.length; i++) {
      const [ms, t] = times[i];
      const [prevMs, prevT] = times[i - 1];
      expect(ms > prevMs || (ms === prevMs && t > prevT)).toBe(true);
    }
    expect(new Set(ids.map((id) => id.slice(19))).size).toBe(1); // one node id and clock sequence per process
  });
});
