/** Creates everything the money-transfer service writes in Cassandra: keyspace, event log, ledger tables. */
import type { CqlClient } from '../internal/cassandra/client.js';
import { createEventLogTables, createKeyspace, type CreateKeyspaceOptions } from '../internal/cassandra/schema.js';
import { createLedgerTables } from './ledger-schema.js';

/** Creates the keyspace (if missing), the event log tables and the ledger tables; harmless to repeat. */
export async function createMoneyTransferSchema(client: CqlClient, keyspace: string, options: CreateKeyspaceOptions = {}): Promise<void> {
  await createKeyspace(client, keyspace, options);
  await createEventLogTables(client, keyspace);
  await createLedgerTables(client, keyspace);
}
