// Prevent mode against every interleaving: a property over histories of one command delivered
// several times (redeliveries after crashes, producer duplicates, a zombie consumer still
// writing), each delivery stopping at any crash point and their steps interleaved in any order,
// LWT answers lost or not. Each delivery runs the graph's own decision (`preventStep`) over a
// model of Cassandra: the claims row (an LWT: set once), the journal's `applied` rows and the
// domain's rows keyed by delivery (one logged batch: both or neither). Then the job's own plan
// (`countsOf`, `decide`) reads the journal. Invariants: at most one delivery's effects, exactly
// one once any delivery got through, and nothing for the job to compensate.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CommandDelivery } from 'dendrites/cqrs';
import { countsOf, decide, type JournalRow } from '../../src/graphs/cqrs/plan.js';
import { type ClaimOwner, claimOf, preventStep } from '../../src/graphs/cqrs/prevent.js';

/** Cassandra, as prevent mode writes it, for one command. */
interface Store {
  claim: ClaimOwner | undefined;
  /** Delivery ids of the `applied` journal rows. */
  readonly applied: Set<string>;
  /** Delivery ids the domain's rows are keyed by (a ledger entry, a stock movement). */
  readonly effects: Set<string>;
  /** Delivery ids of the `logged` journal rows. */
  readonly logged: string[];
}

/** How one delivery goes: where it stops, whether its LWT's answer is lost, whether its log branch writes. */
interface Fate {
  /** 0: dies before its claim; 1: after the claim, before its effects; 2: after its effects, before its ack; 3: acknowledged. */
  readonly stop: 0 | 1 | 2 | 3;
  /** The LWT times out: 'none' answers, 'response' lands but its answer is lost, 'request' never lands. */
  readonly lost: 'none' | 'response' | 'request';
  readonly logs: boolean;
}

const deliveryOf = (i: number): CommandDelivery<{ readonly id: string }> => ({
  command: { id: 'c' },
  commandId: 'c',
  delivery: { id: `00000000-0000-1000-8000-${String(i).padStart(12, '0')}`, kafkaTimestamp: 1_000 + i, topic: 't', partition: i % 3, offset: String(100 + i) },
});

/**
 * One delivery as a sequence of atomic steps against the store, in the service branch's order:
 * the LWT (an unknown outcome settled by a SERIAL read, a missing row by claiming again), the
 * read of the owner's applied row, the effects batch. It yields between steps.
 */
function* deliver(store: Store, i: number, fate: Fate): Generator<void, boolean> {
  const d = deliveryOf(i);
  if (fate.logs) store.logged.push(d.delivery.id); // the event-log branch, independent of the service's
  if (fate.stop === 0) return false;
  let owner: ClaimOwner | undefined;
  let lost = fate.lost;
  while (owner === undefined) {
    if (lost !== 'request') store.claim ??= claimOf(d.delivery); // INSERT ... IF NOT EXISTS
    yield;
    if (lost === 'none') owner = store.claim;
    else {
      owner = store.claim; // the SERIAL read; no row: claim again
      lost = 'none';
      yield;
    }
  }
  if (fate.stop === 1) return false;
  const ownerApplied = owner.deliveryId !== d.delivery.id && store.applied.has(owner.deliveryId);
  yield;
  const step = preventStep(d, owner, ownerApplied);
  if (step.kind === 'apply') {
    // One logged batch: the domain's rows of `as` and its applied journal row.
    store.effects.add(step.as.delivery.id);
    store.applied.add(step.as.delivery.id);
  }
  yield;
  return fate.stop === 3;
}

const fate = fc.record<Fate>({
  stop: fc.constantFrom(0, 1, 2, 3),
  lost: fc.constantFrom('none', 'none', 'response', 'request'),
  logs: fc.boolean(),
});

/** Runs the deliveries interleaved as `schedule` picks (then each to its end), returns the store and whether one was acknowledged. */
function run(fates: readonly Fate[], schedule: readonly number[]): { store: Store; acknowledged: boolean } {
  const store: Store = { claim: undefined, applied: new Set(), effects: new Set(), logged: [] };
  const running = fates.map((f, i) => deliver(store, i, f));
  let acknowledged = false;
  const step = (i: number): boolean => {
    const r = running[i].next();
    if (r.done === true) acknowledged ||= r.value;
    return r.done !== true;
  };
  const live = new Set(running.keys());
  for (const pick of schedule) {
    const ids = [...live];
    if (ids.length === 0) break;
    const i = ids[pick % ids.length];
    if (!step(i)) live.delete(i);
  }
  for (const i of live) while (step(i));
  return { store, acknowledged };
}

describe('prevent mode, every interleaving', () => {
  it('at most one delivery takes effect, exactly one once any is acknowledged, and the job has nothing to undo', () => {
    fc.assert(
      fc.property(fc.array(fate, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 60 }), (fates, schedule) => {
        const { store, acknowledged } = run(fates, schedule);
        // The domain's rows and the applied rows are of the same one delivery: the claim's.
        expect(store.effects.size).toBeLessThanOrEqual(1);
        expect([...store.effects]).toEqual([...store.applied]);
        if (store.applied.size === 1) expect([...store.applied]).toEqual([store.claim?.deliveryId]);
        if (acknowledged) expect(store.applied.size).toBe(1);
        // The job's plan over this journal: never a correction to write.
        const rows: JournalRow[] = [...[...store.applied].map(() => ({ kind: 'applied' as const, bucket: 0 })), ...store.logged.map(() => ({ kind: 'logged' as const, bucket: 0 }))];
        const counts = countsOf(rows);
        expect(counts.applied).toBeLessThanOrEqual(1);
        expect(decide(counts, undefined, true).kind).toBe('clean');
      }),
      { numRuns: 2_000 },
    );
  });

  it('a crash between claim and effects is not a loss: the next delivery applies the claiming delivery', () => {
    const { store, acknowledged } = run(
      [
        { stop: 1, lost: 'none', logs: false },
        { stop: 3, lost: 'none', logs: true },
      ],
      [],
    );
    expect(acknowledged).toBe(true);
    expect([...store.applied]).toEqual([deliveryOf(0).delivery.id]);
    expect([...store.effects]).toEqual([deliveryOf(0).delivery.id]);
  });

  it('two deliveries at once (a zombie still writing): both write the claiming delivery’s rows, one effect', () => {
    // Both claim before either writes: the second sees the first's claim and no applied row.
    const { store } = run(
      [
        { stop: 3, lost: 'none', logs: true },
        { stop: 3, lost: 'none', logs: true },
      ],
      [0, 1, 0, 1, 0, 1, 0, 1],
    );
    expect([...store.effects]).toEqual([deliveryOf(0).delivery.id]);
    expect(store.logged).toHaveLength(2);
  });
});
