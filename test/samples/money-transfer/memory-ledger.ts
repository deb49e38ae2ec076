// An in-memory stand-in for the sample's two tables: it applies the domain's upserts (by
// primary key, as Cassandra does) and answers the sample's reads. Just enough of a
// CqlClient for the unit tests; the integration tests use the real Cassandra.
import type { types } from 'cassandra-driver';
import type { CqlBatchEntry, CqlClient, CqlResult } from 'dendrites/cassandra';
import type { CqlStatement } from 'dendrites/cqrs';

const row = (values: Record<string, unknown>): types.Row => ({ get: (column: string) => values[column] }) as unknown as types.Row;
const result = (rows: types.Row[]): CqlResult => ({ rows, pageState: null, wasApplied: () => true });
const toNumber = (v: unknown): number => (typeof v === 'number' ? v : Number(String(v)));

export class MemoryLedger implements CqlClient {
  /** account → entry id → amount */
  readonly entries = new Map<string, Map<string, number>>();
  readonly accounts = new Map<string, { owner: unknown; openedBy: unknown }>();

  write(statements: readonly CqlStatement[]): void {
    for (const s of statements) {
      if (/^INSERT INTO \w+\.ledger_entries /.test(s.query)) {
        const [account, entryId, , amount] = s.params as [string, string, string, unknown];
        let byId = this.entries.get(account);
        if (byId === undefined) this.entries.set(account, (byId = new Map()));
        byId.set(entryId, toNumber(amount));
      } else if (/^INSERT INTO \w+\.accounts /.test(s.query)) {
        const [id, owner, openedBy] = s.params;
        this.accounts.set(String(id), { owner, openedBy });
      } else throw new Error(`MemoryLedger: unexpected statement ${s.query}`);
    }
  }

  balance(account: string): number {
    let sum = 0;
    for (const amount of this.entries.get(account)?.values() ?? []) sum += amount;
    return sum;
  }

  async execute(query: string, params: unknown[]): Promise<CqlResult> {
    if (/^SELECT amount FROM \w+\.ledger_entries WHERE account = \?$/.test(query)) {
      return result([...(this.entries.get(String(params[0]))?.values() ?? [])].map((amount) => row({ amount })));
    }
    if (/^SELECT account_id FROM \w+\.accounts$/.test(query)) return result([...this.accounts.keys()].map((account_id) => row({ account_id })));
    throw new Error(`MemoryLedger: unexpected query ${query}`);
  }

  async batch(queries: CqlBatchEntry[]): Promise<CqlResult> {
    this.write(queries);
    return result([]);
  }
}
