/**
 * The sample's own tables and reads. schemas/ledger.cql shows the tables in the keyspace
 * `dendrites`; a unit test keeps the file and `moneyTransferTablesCql` equal. The library
 * keeps its own tables (journal, event log: `createCqrsTables`); these hold the ledger only.
 */
import { types } from 'cassandra-driver';
import { cqlIdentifier, type CqlClient } from 'dendrites/cassandra';

/** The ledger: a balance is the sum of its account's entries. */
export const LEDGER_ENTRIES_TABLE = 'ledger_entries';
/** Accounts opened (written with the open-account delivery). */
export const ACCOUNTS_TABLE = 'accounts';


/** `keyspace` if it is a CQL identifier (it is put into CQL text); a ConfigError otherwise. */
export function keyspaceName(keyspace: string): string {
  return cqlIdentifier('money-transfer: keyspace', keyspace);
}

/** The CREATE TABLE statements of the sample's tables in `keyspace`. */
export function moneyTransferTablesCql(keyspace: string): string[] {
  const ks = keyspaceName(keyspace);
  return [
    `CREATE TABLE IF NOT EXISTS ${ks}.${LEDGER_ENTRIES_TABLE} (
  account    text,
  entry_id   text,
  command_id text,
  amount     bigint,
  PRIMARY KEY ((account), entry_id)
)`,
    `CREATE TABLE IF NOT EXISTS ${ks}.${ACCOUNTS_TABLE} (
  account_id text PRIMARY KEY,
  owner      text,
  opened_by  text
)`,
  ];
}

/** Creates the sample's tables in `keyspace` (which must exist); harmless to repeat. */
export async function createMoneyTransferTables(client: CqlClient, keyspace: string): Promise<void> {
  for (const cql of moneyTransferTablesCql(keyspace)) await client.execute(cql, [], {});
}

function toNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (types.Long.isLong(value)) return (value as types.Long).toNumber();
  return Number(value);
}

/** Every row of a query, page by page. */
async function* rowsOf(client: CqlClient, query: string, params: unknown[]): AsyncGenerator<types.Row> {
  let pageState: string | undefined;
  for (;;) {
    const page = await client.execute(query, params, { prepare: true, fetchSize: 5000, ...(pageState === undefined ? {} : { pageState }) });
    yield* page.rows;
    if (page.pageState === null || page.pageState === undefined) return;
    pageState = page.pageState;
  }
}

/** The balance of an account: the sum of its ledger entries (0 for an unknown account). */
export async function balanceOf(client: CqlClient, keyspace: string, account: string): Promise<number> {
  let sum = 0;
  for await (const row of rowsOf(client, `SELECT amount FROM ${keyspaceName(keyspace)}.${LEDGER_ENTRIES_TABLE} WHERE account = ?`, [account])) sum += toNumber(row.get('amount'));
  return sum;
}

/** The balances of the given accounts. */
export async function balancesOf(client: CqlClient, keyspace: string, accounts: Iterable<string>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const account of accounts) out.set(account, await balanceOf(client, keyspace, account));
  return out;
}

/** Every account opened so far (the domain reads them once when a run of the graph starts). */
export async function openedAccounts(client: CqlClient, keyspace: string): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const row of rowsOf(client, `SELECT account_id FROM ${keyspaceName(keyspace)}.${ACCOUNTS_TABLE}`, [])) out.add(String(row.get('account_id')));
  return out;
}
