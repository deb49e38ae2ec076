// The compensation job's logic, run for real (compensate()) over an in-memory journal: a stand-in
// for the four statements the job issues, so a property can try thousands of histories. The same
// job against real Cassandra is in test/integration (cqrs-compensation, the crash points).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from 'dendrites';
import { type CqlBatchEntry, type CqlClient, type CqlQueryOptions, type CqlResult } from 'dendrites/cassandra';
import { compensate, defineDomain } from 'dendrites/cqrs';
import { countsOf, decide, handledIn } from '../../src/graphs/cqrs/plan.js';

const HOUR = 3_600_000;

interface JournalRow {
  readonly commandId: string;
  readonly kind: 'applied' | 'logged';
  readonly bucket: number;
  readonly seq: number;
}

type Row = CqlResult['rows'][number];
const row = (values: Record<string, unknown>): Row => ({ get: (name: string) => values[name] }) as unknown as Row;

/** Cassandra's order of `text` clustering keys: by UTF-8 bytes. */
const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * A journal and a domain's effects in memory, answering exactly the statements the job issues
 * (anything else throws, so the test notices a new one). Effects: each applied delivery adds the
 * command's amount; the job's correction is one upsert per command.
 */
class MemoryJournal implements CqlClient {
  readonly rows: JournalRow[] = [];
  readonly compensated = new Map<string, number>();
  readonly corrections = new Map<string, number>();
  batches = 0;
  #seq = 0;

  deliver(commandId: string, bucket: number, kind: 'applied' | 'logged'): void {
    this.rows.push({ commandId, kind, bucket, seq: this.#seq++ });
  }

  async execute(query: string, params: unknown[], options: CqlQueryOptions): Promise<CqlResult> {
    if (query.includes('system_schema.tables')) return page([row({ table_name: 'dendrites_journal' }), row({ table_name: 'dendrites_journal_by_bucket' })], options);
    if (query.includes('FROM ks.dendrites_journal_by_bucket WHERE bucket = ?')) {
      const bucket = (params[0] as Date).getTime();
      const ids = this.rows.filter((r) => r.bucket === bucket).sort((a, b) => byBytes(a.commandId, b.commandId) || a.seq - b.seq);
      return page(ids.map((r) => row({ command_id: r.commandId })), options);
    }
    if (query.includes('FROM ks.dendrites_journal WHERE command_id = ?')) {
      const id = params[0] as string;
      const mine = this.rows.filter((r) => r.commandId === id).sort((a, b) => (a.kind === b.kind ? a.seq - b.seq : a.kind < b.kind ? -1 : 1));
      const c = this.compensated.get(id) ?? null;
      return page(mine.map((r) => row({ kind: r.kind, bucket: new Date(r.bucket), command: r.kind === 'applied' ? JSON.stringify({ id, amount: amountOf(id) }) : null, compensated: c })), options);
    }
    throw new Error(`unexpected query: ${query}`);
  }

  async batch(queries: CqlBatchEntry[]): Promise<CqlResult> {
    this.batches++;
    for (const q of queries) {
      if (q.query === 'CORRECT') this.corrections.set(q.params[0] as string, q.params[1] as number);
      else if (q.query.startsWith('UPDATE ks.dendrites_journal SET compensated')) this.compensated.set(q.params[2] as string, q.params[0] as number);
      else throw new Error(`unexpected batch statement: ${q.query}`);
    }
    return page([], {});
  }

  /** Each command's total effect: its amount per applied delivery, plus the job's correction. */
  state(): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.rows) if (r.kind === 'applied') out.set(r.commandId, (out.get(r.commandId) ?? 0) + amountOf(r.commandId));
    for (const [id, c] of this.corrections) out.set(id, (out.get(id) ?? 0) + c);
    return out;
  }
}

/** Pages of `fetchSize` rows, with the row index as the paging state. */
function page(all: Row[], options: CqlQueryOptions): CqlResult {
  const from = options.pageState === undefined ? 0 : Number(options.pageState);
  const size = options.fetchSize ?? 5000;
  const rows = all.slice(from, from + size);
  return { rows, pageState: from + size < all.length ? String(from + size) : null, wasApplied: () => true };
}

/** A command's amount, derived from its id (the stored command carries it too). */
const amountOf = (id: string): number => 1 + (id.charCodeAt(id.length - 1) % 7);

/** A domain of amounts: an applied delivery adds `amount`; `count` extra deliveries are undone by −amount × count. */
const amounts = defineDomain({
  name: 'amounts',
  decode: (value: Buffer) => JSON.parse(value.toString()) as unknown,
  parse: (value: unknown) => value as { id: string; amount: number },
  commandId: (c) => c.id,
  apply: () => [],
  compensate: (c, count) => [{ query: 'CORRECT', params: [c.id, -c.amount * count] }],
});

/** One command's deliveries: crashed ones (applied and/or logged, not committed), then one that went through. */
const history = fc.record({
  id: fc.stringMatching(/^[a-z\u00e9\u{1F600}]{1,3}$/u),
  /** The bucket of the first production; a second production (a producer's retry, hours later) may land in another. */
  bucket: fc.integer({ min: 0, max: 3 }),
  /** Each crashed delivery: the branches that wrote it before the crash (none, one, or both). */
  crashed: fc.array(fc.subarray(['applied', 'logged'] as const), { maxLength: 3 }),
  producedAgainIn: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
});

type History = typeof history extends fc.Arbitrary<infer H> ? H : never;

function deliverAll(journal: MemoryJournal, histories: readonly History[]): void {
  for (const h of histories) {
    for (const kinds of h.crashed) for (const kind of kinds) journal.deliver(h.id, h.bucket * HOUR, kind);
    journal.deliver(h.id, h.bucket * HOUR, 'applied');
    journal.deliver(h.id, h.bucket * HOUR, 'logged');
    if (h.producedAgainIn !== undefined) {
      journal.deliver(h.id, h.producedAgainIn * HOUR, 'applied');
      journal.deliver(h.id, h.producedAgainIn * HOUR, 'logged');
    }
  }
}

const run = (journal: MemoryJournal, since: number, until: number, pageSize = 3) =>
  compensate({ client: journal, keyspace: 'ks', domain: amounts, since, until, pageSize, parallelism: 4 });

describe('the compensation job (in-memory journal)', () => {
  it('for any deliveries, crash points and second productions: state after the job = each unique command once; a second run = once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(history, { selector: (h) => h.id, maxLength: 12 }), fc.integer({ min: 0, max: 3 }), async (histories, firstRange) => {
        const journal = new MemoryJournal();
        const half = Math.ceil(histories.length / 2);
        deliverAll(journal, histories.slice(0, half));
        await run(journal, firstRange * HOUR, 3 * HOUR + 1); // a run on part of the history, while more arrives
        deliverAll(journal, histories.slice(half));
        const first = await run(journal, 0, 3 * HOUR + 1);
        const expected = new Map(histories.map((h) => [h.id, amountOf(h.id)]));
        expect(journal.state()).toEqual(expected);
        expect(first.commands).toBe(histories.length); // each command once, whatever buckets it spans

        const batches = journal.batches;
        const second = await run(journal, 0, 3 * HOUR + 1);
        expect(second.compensated).toBe(0);
        expect(journal.batches).toBe(batches);
        expect(journal.state()).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('counts A and L over every bucket, and reports L − 1 as audit duplicates', async () => {
    const journal = new MemoryJournal();
    for (const kind of ['applied', 'logged', 'applied', 'logged', 'logged'] as const) journal.deliver('cmd', 0, kind);
    journal.deliver('cmd', 2 * HOUR, 'applied'); // produced again two hours later
    journal.deliver('other', 0, 'applied');
    const reports: unknown[] = [];
    const s = await compensate({ client: journal, keyspace: 'ks', domain: amounts, since: 0, until: 2 * HOUR, onCommand: (r) => reports.push(r) });
    expect(s).toMatchObject({ commands: 2, deliveriesApplied: 4, deliveriesLogged: 3, duplicateEffects: 1, duplicateDeliveries: 2, compensated: 1, auditDuplicates: 2, appliedNotLogged: 1, loggedNotApplied: 0, buckets: 3 });
    expect(reports).toEqual([{ bucket: new Date(0), commandId: 'cmd', applied: 3, logged: 3, outcome: 'write', compensated: 2 }]);
    expect(journal.corrections.get('cmd')).toBe(-2 * amountOf('cmd'));
  });

  it('a range holding only the later production still compensates the command once', async () => {
    const journal = new MemoryJournal();
    journal.deliver('cmd', 0, 'applied');
    journal.deliver('cmd', 5 * HOUR, 'applied');
    await run(journal, 5 * HOUR, 5 * HOUR);
    await run(journal, 0, 5 * HOUR);
    expect(journal.state().get('cmd')).toBe(amountOf('cmd'));
    expect(journal.batches).toBe(1);
  });

  it('a dry run writes nothing and says what it would write', async () => {
    const journal = new MemoryJournal();
    journal.deliver('cmd', 0, 'applied');
    journal.deliver('cmd', 0, 'applied');
    const s = await compensate({ client: journal, keyspace: 'ks', domain: amounts, since: 0, until: 0, dryRun: true });
    expect(s).toMatchObject({ dryRun: true, compensated: 1 });
    expect(journal.batches).toBe(0);
  });

  it('a domain without compensate (idempotent writes) reports duplicates and writes nothing', async () => {
    const journal = new MemoryJournal();
    journal.deliver('cmd', 0, 'applied');
    journal.deliver('cmd', 0, 'applied');
    const { compensate: _, ...idempotent } = amounts;
    const s = await compensate({ client: journal, keyspace: 'ks', domain: idempotent, since: 0, until: 0 });
    expect(s).toMatchObject({ duplicateEffects: 1, compensated: 0, idempotent: 1 });
    expect(journal.batches).toBe(0);
  });

  it('a stored command the domain cannot decode fails naming the command, its bucket and the domain', async () => {
    const journal = new MemoryJournal();
    journal.deliver('cmd-7', 2 * HOUR, 'applied');
    journal.deliver('cmd-7', 2 * HOUR, 'applied');
    const broken = { ...amounts, decodeStored: (): never => { throw new SyntaxError('not my format'); } };
    await expect(compensate({ client: journal, keyspace: 'ks', domain: broken, since: 0, until: 2 * HOUR })).rejects.toThrow(
      /command cmd-7 \(bucket 1970-01-01T02:00:00.000Z, domain amounts\) cannot be decoded: not my format/,
    );
  });

  it('a keyspace without the journal fails before reading, naming the table and createCqrsTables', async () => {
    const journal = new MemoryJournal();
    const empty: CqlClient = { execute: async (q, p, o) => (q.includes('system_schema') ? page([row({ table_name: 'dendrites_journal' })], o) : journal.execute(q, p, o)), batch: (q) => journal.batch(q) };
    const error = await compensate({ client: empty, keyspace: 'ks', domain: amounts, since: 0, until: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe("compensate: keyspace ks has no table dendrites_journal_by_bucket; the command graph's keyspace needs the library's tables: createCqrsTables(client, 'ks')");
  });

  it('a command whose compensation has no statement counts as idempotent, and nothing is written for it', async () => {
    const journal = new MemoryJournal();
    journal.deliver('keep', 0, 'applied');
    journal.deliver('keep', 0, 'applied');
    const some = { ...amounts, compensate: () => [] };
    const s = await compensate({ client: journal, keyspace: 'ks', domain: some, since: 0, until: 0 });
    expect(s).toMatchObject({ duplicateEffects: 1, compensated: 0, idempotent: 1 });
    expect(journal.batches).toBe(0);
  });

  it('refuses a domain that is not one, before reading anything', async () => {
    const journal = new MemoryJournal();
    await expect(compensate({ client: journal, keyspace: 'ks', domain: { name: 'x' } as never, since: 0, until: 0 })).rejects.toThrow(ConfigError);
    await expect(compensate({ client: journal, keyspace: 'ks', domain: undefined as never, since: 0, until: 0 })).rejects.toThrow(/domain must be a CommandDomain/);
  });
});

describe('plan', () => {
  it('undoes A − 1 deliveries, once', () => {
    expect(decide({ applied: 1, logged: 3 }, undefined, true)).toEqual({ kind: 'clean' });
    expect(decide({ applied: 3, logged: 1 }, undefined, true)).toEqual({ kind: 'write', compensated: 2 });
    expect(decide({ applied: 3, logged: 1 }, 2, true)).toEqual({ kind: 'unchanged', compensated: 2 });
    expect(decide({ applied: 4, logged: 1 }, 2, true)).toEqual({ kind: 'write', compensated: 3 });
    expect(decide({ applied: 2, logged: 2 }, undefined, false)).toEqual({ kind: 'idempotent', compensated: 1 });
  });

  it('handles a command in the first bucket of the range that holds one of its deliveries', () => {
    const rows = [
      { kind: 'applied', bucket: 0 },
      { kind: 'logged', bucket: 0 },
      { kind: 'applied', bucket: 7 },
    ] as const;
    expect(countsOf(rows)).toEqual({ applied: 2, logged: 1 });
    expect(handledIn(0, 0, rows)).toBe(true);
    expect(handledIn(7, 0, rows)).toBe(false);
    expect(handledIn(7, 5, rows)).toBe(true);
  });
});
