/**
 * The money-transfer service's reads and writes: the statements one delivery writes
 * (effect row, ledger entries, account), balances, and the accounts opened so far.
 */
import { types } from 'cassandra-driver';
import type { CqlBatchEntry, CqlClient } from '../internal/cassandra/client.js';
import { bucketOf, DEFAULT_BUCKET_MS, type Delivery } from '../internal/cassandra/event-log.js';
import { cqlIdentifier } from '../internal/cassandra/schema.js';
import { ACCOUNTS_TABLE, LEDGER_EFFECTS_TABLE, LEDGER_ENTRIES_TABLE } from './ledger-schema.js';
import { deliveryEntries, type MoneyCommand } from './money-transfer.js';

/** One delivery of a validated command: what both branches of the command graph receive. */
export interface CommandDelivery<C> {
  readonly command: C;
  readonly delivery: Delivery;
}

/** The ledger entry id of one side of one delivery: duplicates get their own entries. */
export function deliveryEntryId(commandId: string, deliveryId: string, side: string): string {
  return `${commandId}:${deliveryId}:${side}`;
}

/** The entry id of the job's correction of a command on one account (one upsert per run). */
export function compensationEntryId(commandId: string, account: string): string {
  return `comp:${commandId}:${account}`;
}

/**
 * The statements ONE delivery writes, as one logged batch (all or nothing): the effect row
 * (partition: bucket of the Kafka record timestamp; clustering: command id, delivery id),
 * a ledger entry per side, and for open-account the account. Retrying it is safe: the
 * same delivery writes the same rows.
 */
export function serviceWrites(keyspace: string, input: CommandDelivery<MoneyCommand>, bucketMs: number = DEFAULT_BUCKET_MS): CqlBatchEntry[] {
  const cql = serviceCql(keyspace);
  const { command, delivery } = input;
  const out: CqlBatchEntry[] = [
    {
      query: cql.effect,
      params: [bucketOf(delivery.kafkaTimestamp, bucketMs), command.id, delivery.id, command.action, JSON.stringify(command), new Date()],
    },
  ];
  for (const e of deliveryEntries(command)) {
    out.push({
      query: cql.entry,
      params: [e.account, deliveryEntryId(command.id, delivery.id, e.side), command.id, types.Long.fromNumber(e.amount)],
    });
  }
  if (command.action === 'open-account') {
    out.push({
      query: cql.account,
      params: [command.account_id, command.owner, command.id],
    });
  }
  return out;
}

interface ServiceCql {
  readonly effect: string;
  readonly entry: string;
  readonly account: string;
}

/** The service's INSERT texts per keyspace, checked and built once (the same strings on every delivery). */
const serviceTexts = new Map<string, ServiceCql>();

function serviceCql(keyspace: string): ServiceCql {
  let cql = serviceTexts.get(keyspace);
  if (cql === undefined) {
    const ks = cqlIdentifier('keyspace', keyspace);
    cql = {
      effect: `INSERT INTO ${ks}.${LEDGER_EFFECTS_TABLE} (bucket, command_id, delivery_id, action, command, applied_at) VALUES (?, ?, ?, ?, ?, ?)`,
      entry: `INSERT INTO ${ks}.${LEDGER_ENTRIES_TABLE} (account, entry_id, command_id, amount) VALUES (?, ?, ?, ?)`,
      account: `INSERT INTO ${ks}.${ACCOUNTS_TABLE} (account_id, owner, opened_by) VALUES (?, ?, ?)`,
    };
    serviceTexts.set(keyspace, cql);
  }
  return cql;
}

function toNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (types.Long.isLong(value)) return (value as types.Long).toNumber();
  return Number(value);
}

/** The balance of an account: the sum of its ledger entries (0 for an unknown account). */
export async function balanceOf(client: CqlClient, keyspace: string, account: string): Promise<number> {
  const ks = cqlIdentifier('keyspace', keyspace);
  const result = await client.execute(`SELECT amount FROM ${ks}.${LEDGER_ENTRIES_TABLE} WHERE account = ?`, [account], { prepare: true, fetchSize: 5000 });
  let sum = 0;
  let page = result;
  for (;;) {
    for (const row of page.rows) sum += toNumber(row.get('amount'));
    if (page.pageState === null || page.pageState === undefined) return sum;
    page = await client.execute(`SELECT amount FROM ${ks}.${LEDGER_ENTRIES_TABLE} WHERE account = ?`, [account], { prepare: true, fetchSize: 5000, pageState: page.pageState });
  }
}

/** The balances of the given accounts. */
export async function balancesOf(client: CqlClient, keyspace: string, accounts: Iterable<string>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const account of accounts) out.set(account, await balanceOf(client, keyspace, account));
  return out;
}

/** Every account opened so far (read once when a command graph starts). */
export async function openedAccounts(client: CqlClient, keyspace: string): Promise<Set<string>> {
  const ks = cqlIdentifier('keyspace', keyspace);
  const out = new Set<string>();
  let pageState: string | undefined;
  for (;;) {
    const page = await client.execute(`SELECT account_id FROM ${ks}.${ACCOUNTS_TABLE}`, [], { prepare: true, fetchSize: 5000, ...(pageState === undefined ? {} : { pageState }) });
    for (const row of page.rows) out.add(String(row.get('account_id')));
    if (page.pageState === null || page.pageState === undefined) return out;
    pageState = page.pageState;
  }
}
