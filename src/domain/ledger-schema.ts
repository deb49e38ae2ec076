/**
 * The money-transfer service's tables (schemas/ledger.cql shows them in the keyspace
 * `dendrites`). Every statement is `IF NOT EXISTS`: creating them again is harmless.
 */
import type { CqlClient } from '../internal/cassandra/client.js';
import { cqlIdentifier } from '../internal/cassandra/schema.js';

/** One row per delivery the service applied, keyed like the event log. */
export const LEDGER_EFFECTS_TABLE = 'ledger_effects';
/** The ledger: a balance is the sum of its account's entries. */
export const LEDGER_ENTRIES_TABLE = 'ledger_entries';
/** Accounts opened. */
export const ACCOUNTS_TABLE = 'accounts';
/** What the compensation job last wrote per command, keyed like the effects. */
export const LEDGER_COMPENSATIONS_TABLE = 'ledger_compensations';

/** The CREATE TABLE statements of the service's tables in `keyspace`. */
export function ledgerTablesCql(keyspace: string): string[] {
  const ks = cqlIdentifier('keyspace', keyspace);
  return [
    `CREATE TABLE IF NOT EXISTS ${ks}.${LEDGER_EFFECTS_TABLE} (
  bucket      timestamp,
  command_id  text,
  delivery_id timeuuid,
  action      text,
  command     text,
  applied_at  timestamp,
  PRIMARY KEY ((bucket), command_id, delivery_id)
) WITH CLUSTERING ORDER BY (command_id ASC, delivery_id ASC)`,
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
    `CREATE TABLE IF NOT EXISTS ${ks}.${LEDGER_COMPENSATIONS_TABLE} (
  bucket       timestamp,
  command_id   text,
  applied      int,
  compensated  int,
  corrections  text,
  updated_at   timestamp,
  PRIMARY KEY ((bucket), command_id)
) WITH CLUSTERING ORDER BY (command_id ASC)`,
  ];
}

/** Creates the service's tables in `keyspace` (which must exist) if they do not exist. */
export async function createLedgerTables(client: CqlClient, keyspace: string): Promise<void> {
  for (const cql of ledgerTablesCql(keyspace)) await client.execute(cql, [], {});
}
