/**
 * Which offsets of which partitions may be committed, given the records emitted and the
 * acknowledgements received so far. Pure: no I/O, no timers.
 *
 * Per partition, the committable offset is (the highest emitted offset such that it and
 * every earlier emitted offset of the partition are acknowledged) + 1, as Kafka expects
 * (the offset of the next record to read). Acknowledgements may arrive in any order;
 * duplicates are harmless. Offsets never emitted (gaps: compaction, control records) do
 * not hold a partition back.
 *
 * A revoked partition forgets its state: acknowledgements of records emitted before the
 * revocation are ignored, so an offset is never committed on behalf of a partition this
 * member no longer owns.
 *
 * It also says how many emitted records are not yet acknowledged and since when the oldest
 * of them waits (kafkaSource's `maxUnacknowledged` and its gauges): a count kept up to date
 * by `register` and the acknowledgements (O(1) to read), and the emission time of each
 * registered run of records (one per batch, never per record).
 */

export interface CommitOffset {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read: the last contiguously acknowledged offset + 1. */
  readonly offset: string;
}

export interface Registration {
  /** `acks[i]` acknowledges the i-th registered offset. */
  readonly acks: readonly (() => void)[];
  /** False once the partition has been revoked (or rewound) since the registration. */
  readonly live: () => boolean;
}

/** One registered run of emitted records of one partition (one batch). */
class Segment {
  readonly acked: Uint8Array;
  ackedCount = 0;
  constructor(
    readonly state: PartitionState,
    readonly offsets: readonly bigint[],
    /** When it was emitted (ms, the clock the caller gave `register`). */
    readonly emittedAt: number,
  ) {
    this.acked = new Uint8Array(offsets.length);
  }
}

class PartitionState {
  readonly segments: Segment[] = [];
  /** Index of the first unacknowledged record in segments[0]. */
  head = 0;
  /** Last emitted offset; registrations must go above it. */
  lastEmitted: bigint | undefined;
  /** Committable offset (exclusive) or undefined when nothing is committable yet. */
  committable: bigint | undefined;
  /** What was last committed (or handed out to commit and confirmed). */
  committed: bigint | undefined;
  revoked = false;
  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}
}

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class OffsetTracker {
  readonly #partitions = new Map<string, PartitionState>();
  /** Registered records of tracked partitions whose acknowledgement has not come yet. */
  #unacknowledged = 0;

  /** `onAck` is called for every acknowledgement that counts (not duplicates, not revoked). */
  constructor(private readonly onAck?: () => void) {}

  /**
   * Registers records emitted for one partition, in offset order (strictly increasing,
   * above anything emitted before in this partition). Returns one acknowledgement per
   * offset. An offset at or below one already emitted means the partition was rewound
   * (a seek, a re-fetch): the partition's earlier state is dropped first. `emittedAt` (ms,
   * e.g. `Date.now()`) is when they were emitted, for `oldestUnacknowledgedAt`.
   */
  register(topic: string, partition: number, offsets: readonly string[], emittedAt = 0): Registration {
    const values = offsets.map((o) => BigInt(o));
    for (let i = 1; i < values.length; i++) {
      if (values[i] <= values[i - 1]) throw new RangeError(`offsets of a batch must increase: ${offsets[i - 1]} then ${offsets[i]}`);
    }
    let state = this.#partitions.get(keyOf(topic, partition));
    if (state !== undefined && values.length > 0 && state.lastEmitted !== undefined && values[0] <= state.lastEmitted) {
      this.revoke(topic, partition);
      state = undefined;
    }
    if (state === undefined) {
      state = new PartitionState(topic, partition);
      this.#partitions.set(keyOf(topic, partition), state);
    }
    const owner = state;
    const live = (): boolean => !owner.revoked;
    if (values.length === 0) return { acks: [], live };
    state.lastEmitted = values[values.length - 1];
    const segment = new Segment(state, values, emittedAt);
    state.segments.push(segment);
    this.#unacknowledged += values.length;
    const acks = new Array<() => void>(values.length);
    for (let i = 0; i < values.length; i++) acks[i] = () => this.#ack(segment, i);
    return { acks, live };
  }

  #ack(segment: Segment, i: number): void {
    const state = segment.state;
    if (state.revoked || segment.acked[i] === 1) return;
    segment.acked[i] = 1;
    segment.ackedCount++;
    this.#unacknowledged--;
    this.#advance(state);
    this.onAck?.(); // after advancing: a commit it triggers includes this acknowledgement
  }

  /** Advances the contiguous acknowledged prefix from the head of the oldest segment. */
  #advance(state: PartitionState): void {
    while (state.segments.length > 0) {
      const head = state.segments[0];
      while (state.head < head.offsets.length && head.acked[state.head] === 1) {
        state.committable = head.offsets[state.head] + 1n;
        state.head++;
      }
      if (state.head < head.offsets.length) return;
      state.segments.shift();
      state.head = 0;
    }
  }

  /** Offsets that may be committed and were not yet (marked) committed. */
  pending(): CommitOffset[] {
    const out: CommitOffset[] = [];
    for (const s of this.#partitions.values()) {
      if (s.committable !== undefined && (s.committed === undefined || s.committable > s.committed)) {
        out.push({ topic: s.topic, partition: s.partition, offset: s.committable.toString() });
      }
    }
    return out;
  }

  /** Records that these offsets were committed (those of revoked partitions are ignored). */
  markCommitted(offsets: readonly CommitOffset[]): void {
    for (const o of offsets) {
      const s = this.#partitions.get(keyOf(o.topic, o.partition));
      if (s === undefined) continue;
      const value = BigInt(o.offset);
      if (s.committed === undefined || value > s.committed) s.committed = value;
    }
  }

  /** The committable offset of a partition, if any. */
  committable(topic: string, partition: number): string | undefined {
    return this.#partitions.get(keyOf(topic, partition))?.committable?.toString();
  }

  /**
   * How many emitted records are not yet acknowledged (all partitions; O(1)). Records of a
   * revoked partition no longer count: their acknowledgements are ignored, and the
   * partition's next owner reads them again.
   */
  unacknowledged(): number {
    return this.#unacknowledged;
  }

  /** When the oldest record not yet acknowledged was emitted (`register`'s `emittedAt`), or undefined when none waits. */
  oldestUnacknowledgedAt(): number | undefined {
    let oldest: number | undefined;
    // per partition, segments[0] holds the first unacknowledged record (#advance drops acknowledged ones)
    for (const s of this.#partitions.values()) {
      const head = s.segments[0];
      if (head !== undefined && (oldest === undefined || head.emittedAt < oldest)) oldest = head.emittedAt;
    }
    return oldest;
  }

  /** The records of a partition's state that wait for an acknowledgement. */
  #waiting(s: PartitionState): number {
    let n = 0;
    for (const seg of s.segments) n += seg.offsets.length - seg.ackedCount;
    return n;
  }

  /** Forgets a partition: later acknowledgements of its records are ignored. */
  revoke(topic: string, partition: number): void {
    const key = keyOf(topic, partition);
    const s = this.#partitions.get(key);
    if (s === undefined) return;
    s.revoked = true;
    this.#unacknowledged -= this.#waiting(s);
    this.#partitions.delete(key);
  }

  /** Forgets every partition (a rebalance of the eager protocol revokes all). */
  revokeAll(): void {
    for (const s of this.#partitions.values()) s.revoked = true;
    this.#partitions.clear();
    this.#unacknowledged = 0;
  }

  /**
   * Keeps the partitions `assigned` says this member still owns and forgets the others
   * (a rebalance's new assignment): records in flight of a kept partition still count and
   * may still be committed.
   */
  retain(assigned: (topic: string, partition: number) => boolean): void {
    for (const s of [...this.#partitions.values()]) if (!assigned(s.topic, s.partition)) this.revoke(s.topic, s.partition);
  }

  /** The last offset emitted of a tracked partition, if any. */
  lastEmitted(topic: string, partition: number): bigint | undefined {
    return this.#partitions.get(keyOf(topic, partition))?.lastEmitted;
  }

  /** Whether records registered under this partition's current state would still count. */
  isTracked(topic: string, partition: number): boolean {
    return this.#partitions.has(keyOf(topic, partition));
  }
}
