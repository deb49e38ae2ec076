import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OffsetTracker } from '../../../src/connectors/kafka/offset-tracker.js';

/** The model: per partition, (highest emitted offset o such that every emitted offset ≤ o is acked) + 1. */
function modelCommittable(emitted: readonly number[], acked: ReadonlySet<number>): number | undefined {
  let last: number | undefined;
  for (const o of emitted) {
    if (!acked.has(o)) break;
    last = o;
  }
  return last === undefined ? undefined : last + 1;
}

// A partition's emitted offsets: strictly increasing with gaps, split into batches.
const partitionArb = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 40 })
  .chain((steps) => {
    const offsets: number[] = [];
    let o = 0;
    for (const s of steps) offsets.push((o += s));
    return fc.tuple(fc.constant(offsets), fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 10 }));
  })
  .map(([offsets, sizes]) => {
    const batches: number[][] = [];
    let i = 0;
    for (let k = 0; i < offsets.length; k++) {
      const n = sizes[k % sizes.length];
      batches.push(offsets.slice(i, i + n));
      i += n;
    }
    return batches;
  });

describe('OffsetTracker', () => {
  it('commits exactly the contiguously acknowledged prefix per partition, whatever the ack order, gaps and duplicates (property)', () => {
    fc.assert(
      fc.property(
        fc.array(partitionArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 300 }),
        (partitions, picks) => {
          const tracker = new OffsetTracker();
          const acks: { p: number; offset: number; ack: () => void }[] = [];
          // Register batch by batch, interleaving partitions, as a consumer would.
          const maxBatches = Math.max(...partitions.map((b) => b.length));
          for (let k = 0; k < maxBatches; k++) {
            partitions.forEach((batches, p) => {
              const batch = batches[k];
              if (batch === undefined) return;
              const { acks: a } = tracker.register('t', p, batch.map(String));
              batch.forEach((offset, i) => acks.push({ p, offset, ack: a[i] }));
            });
          }
          const acked = partitions.map(() => new Set<number>());
          const lastSeen = partitions.map((): number | undefined => undefined);
          for (const pick of picks) {
            const a = acks[pick % acks.length]; // picks repeat: duplicates, any order
            a.ack();
            acked[a.p].add(a.offset);
            partitions.forEach((batches, p) => {
              const expected = modelCommittable(batches.flat(), acked[p]);
              const actual = tracker.committable('t', p);
              expect(actual === undefined ? undefined : Number(actual)).toBe(expected);
              // never goes backwards
              if (expected !== undefined && lastSeen[p] !== undefined) expect(expected).toBeGreaterThanOrEqual(lastSeen[p] as number);
              lastSeen[p] = expected;
            });
          }
          const total = acks.length - acked.reduce((n, s) => n + s.size, 0);
          expect(tracker.unacknowledged()).toBe(total);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hands out each committable offset once, until more is acknowledged', () => {
    const t = new OffsetTracker();
    const { acks } = t.register('a', 0, ['5', '6', '9']);
    expect(t.pending()).toEqual([]);
    acks[1]();
    expect(t.pending()).toEqual([]); // 5 not yet acknowledged
    acks[0]();
    expect(t.pending()).toEqual([{ topic: 'a', partition: 0, offset: '7' }]);
    t.markCommitted(t.pending());
    expect(t.pending()).toEqual([]);
    acks[2]();
    acks[2]();
    expect(t.pending()).toEqual([{ topic: 'a', partition: 0, offset: '10' }]);
  });

  it('ignores late acknowledgements of a revoked partition and starts it afresh', () => {
    let counted = 0;
    const t = new OffsetTracker(() => counted++);
    const old = t.register('a', 1, ['10', '11']);
    const other = t.register('a', 2, ['3']);
    t.revoke('a', 1);
    expect(old.live()).toBe(false);
    expect(other.live()).toBe(true);
    old.acks[0]();
    old.acks[1]();
    expect(t.committable('a', 1)).toBeUndefined();
    expect(counted).toBe(0);
    const fresh = t.register('a', 1, ['10', '11']);
    fresh.acks[0]();
    expect(t.committable('a', 1)).toBe('11');
    t.revokeAll();
    other.acks[0]();
    fresh.acks[1]();
    expect(t.pending()).toEqual([]);
    expect(counted).toBe(1);
  });

  it('treats a rewind (offsets at or below ones emitted) as a new start of the partition', () => {
    const t = new OffsetTracker();
    const first = t.register('a', 0, ['100', '101']);
    const again = t.register('a', 0, ['100', '101', '102']);
    expect(first.live()).toBe(false);
    first.acks[0]();
    expect(t.committable('a', 0)).toBeUndefined();
    again.acks[0]();
    expect(t.committable('a', 0)).toBe('101');
  });

  it('calls onAck after the acknowledgement counts: a commit it triggers includes it', () => {
    const seen: string[][] = [];
    const t: OffsetTracker = new OffsetTracker(() => seen.push(t.pending().map((p) => p.offset)));
    const { acks } = t.register('a', 0, ['7', '8']);
    acks[0]();
    acks[1]();
    expect(seen).toEqual([['8'], ['9']]);
  });

  it('handles 64-bit offsets and rejects batches out of order', () => {
    const t = new OffsetTracker();
    const big = '9223372036854775806';
    t.register('a', 0, [big]).acks[0]();
    expect(t.committable('a', 0)).toBe('9223372036854775807');
    expect(() => t.register('a', 3, ['5', '5'])).toThrow(RangeError);
  });

  it('counts unacknowledged records and knows when the oldest was emitted; a revoked partition stops counting', () => {
    const t = new OffsetTracker();
    expect(t.unacknowledged()).toBe(0);
    expect(t.oldestUnacknowledgedAt()).toBeUndefined();
    const a = t.register('a', 0, ['0', '1', '2'], 1_000);
    const b = t.register('a', 1, ['5', '6'], 2_000);
    const c = t.register('a', 0, ['3'], 3_000);
    expect(t.unacknowledged()).toBe(6);
    expect(t.oldestUnacknowledgedAt()).toBe(1_000);
    a.acks[1](); // out of order: 0:0 still waits
    a.acks[1](); // a duplicate counts once
    expect(t.unacknowledged()).toBe(5);
    expect(t.oldestUnacknowledgedAt()).toBe(1_000);
    a.acks[0]();
    a.acks[2]();
    expect(t.oldestUnacknowledgedAt()).toBe(2_000); // partition 0's oldest waiting is now 0:3 (3,000)
    b.acks[0]();
    b.acks[1]();
    expect(t.oldestUnacknowledgedAt()).toBe(3_000);
    expect(t.unacknowledged()).toBe(1);
    t.register('a', 2, ['7', '8'], 4_000);
    t.revoke('a', 0);
    expect(t.unacknowledged()).toBe(2);
    c.acks[0](); // late: ignored
    expect(t.unacknowledged()).toBe(2);
    expect(t.oldestUnacknowledgedAt()).toBe(4_000);
    t.register('a', 0, ['3'], 5_000); // the partition again (rewound): counted afresh
    expect(t.unacknowledged()).toBe(3);
    t.revokeAll();
    expect(t.unacknowledged()).toBe(0);
    expect(t.oldestUnacknowledgedAt()).toBeUndefined();
  });
});
