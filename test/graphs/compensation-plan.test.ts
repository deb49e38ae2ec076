import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compensation, deliveryEntries, onceOnlyBalances, type MoneyCommand } from '../../src/domain/money-transfer.js';
import { compareText, mergeByKey } from '../../src/internal/compensation/merge.js';
import { decide, type PreviousCorrection } from '../../src/internal/compensation/plan.js';

async function* rows<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('mergeByKey', () => {
  it('groups the rows of every input by key, in key order', async () => {
    const groups = await all(mergeByKey([rows(['a', 'a', 'c']), rows(['a', 'b', 'b', 'c']), rows(['b'])], (r) => r, (i) => `input ${i}`));
    expect(groups).toEqual([
      { key: 'a', rows: [['a', 'a'], ['a'], []] },
      { key: 'b', rows: [[], ['b', 'b'], ['b']] },
      { key: 'c', rows: [['c'], ['c'], []] },
    ]);
  });

  it('refuses an input that is not sorted', async () => {
    await expect(all(mergeByKey([rows(['b', 'a'])], (r) => r, () => 'the effects'))).rejects.toThrow(/the effects is not sorted/);
  });

  it('orders text by UTF-8 bytes, like Cassandra', () => {
    // U+FF5E sorts after U+1F600 in UTF-16 units but before it in UTF-8 bytes.
    expect(compareText('\u{1F600}', '\uFF5E')).toBe(1);
    expect(compareText('a', 'b')).toBe(-1);
  });

  it('for any sorted inputs, every row comes out once, under its key', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 4 }), async (inputs) => {
        const sorted = inputs.map((xs) => [...xs].sort(compareText));
        const groups = await all(mergeByKey(sorted.map((xs) => rows(xs)), (r) => r, String));
        for (let i = 0; i < sorted.length; i++) expect(groups.flatMap((g) => g.rows[i])).toEqual(sorted[i]);
        for (const g of groups) for (const rs of g.rows) for (const r of rs) expect(r).toBe(g.key);
      }),
    );
  });
});

describe('decide', () => {
  const transfer: MoneyCommand = { id: 't', action: 'transfer-money', timestamp: 0, from_account: 'a', to_account: 'b', amount: 7 };
  const correction = (n: number) => compensation(transfer, n);

  it('leaves a command applied once alone', () => {
    expect(decide({ applied: 1, logged: 3 }, undefined, correction)).toEqual({ kind: 'clean' });
  });

  it('writes the whole correction of A − 1 deliveries: 7 applied 3 times moves 14 back', () => {
    expect(decide({ applied: 3, logged: 1 }, undefined, correction)).toEqual({
      kind: 'write',
      compensated: 2,
      entries: [
        { account: 'a', amount: 14 },
        { account: 'b', amount: -14 },
      ],
    });
  });

  it('says unchanged when the same correction was written before', () => {
    const previous: PreviousCorrection = { compensated: 2, entries: [{ account: 'b', amount: -14 }, { account: 'a', amount: 14 }] };
    expect(decide({ applied: 3, logged: 3 }, previous, correction).kind).toBe('unchanged');
  });

  it('rewrites to the new total after more duplicates', () => {
    const previous: PreviousCorrection = { compensated: 1, entries: correction(1) };
    expect(decide({ applied: 4, logged: 1 }, previous, correction)).toMatchObject({ kind: 'write', compensated: 3, entries: correction(3) });
  });

  const account = fc.constantFrom('a', 'b', 'c');
  const command: fc.Arbitrary<MoneyCommand> = fc
    .record({ id: fc.uuid(), from_account: account, to_account: account, amount: fc.integer({ min: 1, max: 10_000 }) })
    .map((r): MoneyCommand => ({ action: 'transfer-money', timestamp: 0, ...r }));

  it('for any deliveries and job runs in between, a final run leaves the once-only balances and a further run changes nothing', () => {
    // Steps: deliver command i once more, or run the job. The ledger is a map of entry ids (upserts).
    const step = fc.oneof(fc.record({ deliver: fc.nat({ max: 9 }) }), fc.constant({ job: true as const }));
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 10 }), fc.array(step, { maxLength: 40 }), (commands, steps) => {
        const ledger = new Map<string, { account: string; amount: number }>();
        const applied = commands.map(() => 1);
        const records = new Map<string, PreviousCorrection>();
        commands.forEach((c, i) => deliveryEntries(c).forEach((e) => ledger.set(`${i}:0:${e.side}`, e)));
        const job = (): number => {
          let writes = 0;
          commands.forEach((c, i) => {
            const verdict = decide({ applied: applied[i], logged: 1 }, records.get(String(i)), (n) => compensation(c, n));
            if (verdict.kind !== 'write') return;
            writes++;
            for (const m of verdict.entries) ledger.set(`comp:${i}:${m.account}`, m);
            records.set(String(i), { compensated: verdict.compensated, entries: verdict.entries });
          });
          return writes;
        };
        for (const s of steps) {
          if ('job' in s) job();
          else {
            const i = s.deliver % commands.length;
            deliveryEntries(commands[i]).forEach((e) => ledger.set(`${i}:${applied[i]}:${e.side}`, e));
            applied[i]++;
          }
        }
        job();
        const balances = new Map<string, number>();
        for (const { account: acc, amount } of ledger.values()) balances.set(acc, (balances.get(acc) ?? 0) + amount);
        const expected = onceOnlyBalances(commands);
        for (const acc of new Set([...balances.keys(), ...expected.keys()])) expect(balances.get(acc) ?? 0).toBe(expected.get(acc) ?? 0);
        expect(job()).toBe(0);
      }),
    );
  });
});
