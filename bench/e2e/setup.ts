// Fresh state per run (a keyspace with the library's tables and the sample's, the accounts
// opened), and the check that a run wrote every command exactly once.
import type cassandra from 'cassandra-driver';
import type { Kafka } from 'kafkajs';
import { bucketsBetween, createKeyspace, dropKeyspace, newDeliveryId } from 'dendrites/cassandra';
import { createCqrsTables } from 'dendrites/cqrs';
import { createMoneyTransferTables, domain, openAccount, parseMoneyCommand } from 'dendrites/samples/money-transfer';
import { journalWrites } from '../../src/graphs/cqrs/journal.js';
import { kafkaAdmin, type TopicLag } from 'dendrites/kafka';

export const INITIAL_BALANCE = 1_000_000;

/** What a correct run leaves in Cassandra, computed from the commands produced. */
export interface Expected {
  readonly commands: number;
  readonly accounts: readonly string[];
  /** Ledger entries per account (the opening entry included) and the balance. */
  readonly entries: ReadonlyMap<string, number>;
  readonly balances: ReadonlyMap<string, number>;
  /** Event-log rows per aggregate (the from-account). */
  readonly logByAggregate: ReadonlyMap<string, number>;
  readonly amountSum: number;
  /** Bucket range of the Kafka timestamps (and of the opening rows). */
  readonly since: number;
  readonly until: number;
}

export interface TransferLike {
  readonly from: string;
  readonly to: string;
  readonly amount: number;
}

export function expectedOf(accounts: readonly string[], transfers: readonly TransferLike[], since: number, until: number): Expected {
  const entries = new Map<string, number>(accounts.map((a) => [a, 1]));
  const balances = new Map<string, number>(accounts.map((a) => [a, INITIAL_BALANCE]));
  const logByAggregate = new Map<string, number>(accounts.map((a) => [a, 0]));
  let amountSum = 0;
  for (const t of transfers) {
    entries.set(t.from, (entries.get(t.from) ?? 0) + 1);
    entries.set(t.to, (entries.get(t.to) ?? 0) + 1);
    balances.set(t.from, (balances.get(t.from) ?? 0) - t.amount);
    balances.set(t.to, (balances.get(t.to) ?? 0) + t.amount);
    logByAggregate.set(t.from, (logByAggregate.get(t.from) ?? 0) + 1);
    amountSum += t.amount;
  }
  return { commands: transfers.length, accounts, entries, balances, logByAggregate, amountSum, since, until };
}

/**
 * A fresh keyspace with the library's tables and the money-transfer tables, where every
 * account was opened: the service applied one open-account command per account (opening
 * ledger entry, account row, `applied` journal rows), as the service branch of a run over
 * open-account commands would have left it.
 */
export async function freshKeyspace(client: cassandra.Client, keyspace: string, accounts: readonly string[], openedAt: number): Promise<void> {
  await createKeyspace(client, keyspace);
  await createCqrsTables(client, keyspace);
  await createMoneyTransferTables(client, keyspace);
  const context = { client, keyspace };
  await Promise.all(
    accounts.map((account_id) => {
      const command = parseMoneyCommand(openAccount({ account_id, owner: `owner of ${account_id}`, initial_balance: INITIAL_BALANCE }, { timestamp: openedAt }));
      const d = { command, commandId: command.id, delivery: { id: newDeliveryId(), kafkaTimestamp: openedAt, topic: 'bench-setup', partition: 0, offset: 0 } };
      const writes = [...domain.apply(d, context), ...journalWrites(keyspace, d, 'applied', 3_600_000, JSON.stringify(command))];
      return client.batch(writes.map((w) => ({ query: w.query, params: [...w.params] })), { prepare: true, logged: true });
    }),
  );
}

export async function dropQuietly(client: cassandra.Client, keyspace: string): Promise<void> {
  await dropKeyspace(client, keyspace).catch(() => undefined);
}

async function one(client: cassandra.Client, cql: string, params: unknown[]): Promise<cassandra.types.Row> {
  const rs = await client.execute(cql, params, { prepare: true, readTimeout: 120_000 });
  return rs.rows[0];
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(String(v)));

/**
 * Checks that every command was written exactly once by both writes: rows per table,
 * ledger entries and balance per account, event-log rows per aggregate, the committed
 * offsets of the group (Kafka contenders). Returns the failures (empty when right).
 */
export async function verify(client: cassandra.Client, keyspace: string, e: Expected, kafka?: { kafka: Kafka; groupId: string; topic: string }): Promise<string[]> {
  const problems: string[] = [];
  const expect = (what: string, actual: number, expected: number): void => {
    if (actual !== expected) problems.push(`${what}: ${actual}, expected ${expected}`);
  };
  let journal = 0;
  let log = 0;
  for (const bucket of bucketsBetween(e.since, e.until)) {
    journal += num((await one(client, `SELECT count(*) AS n FROM ${keyspace}.dendrites_journal_by_bucket WHERE bucket = ?`, [bucket])).get('n'));
    log += num((await one(client, `SELECT count(*) AS n FROM ${keyspace}.event_log WHERE bucket = ?`, [bucket])).get('n'));
  }
  // Per transfer an applied and a logged delivery; per account its opening, applied only.
  expect('dendrites_journal_by_bucket rows', journal, 2 * e.commands + e.accounts.length);
  expect('event_log rows', log, e.commands);
  let balanceSum = 0;
  let byAggregate = 0;
  for (const account of e.accounts) {
    const row = await one(client, `SELECT count(*) AS n, sum(amount) AS s FROM ${keyspace}.ledger_entries WHERE account = ?`, [account]);
    expect(`ledger_entries rows of ${account}`, num(row.get('n')), e.entries.get(account) ?? 0);
    expect(`balance of ${account}`, num(row.get('s')), e.balances.get(account) ?? 0);
    balanceSum += num(row.get('s'));
    const n = num((await one(client, `SELECT count(*) AS n FROM ${keyspace}.event_log_by_aggregate WHERE aggregate_id = ?`, [account])).get('n'));
    expect(`event_log_by_aggregate rows of ${account}`, n, e.logByAggregate.get(account) ?? 0);
    byAggregate += n;
  }
  expect('event_log_by_aggregate rows', byAggregate, e.commands);
  expect('sum of all balances', balanceSum, INITIAL_BALANCE * e.accounts.length);
  const accounts = num((await one(client, `SELECT count(*) AS n FROM ${keyspace}.accounts`, [])).get('n'));
  expect('accounts rows', accounts, e.accounts.length);
  if (kafka !== undefined) {
    const lag = await committedLag(kafka.kafka, kafka.groupId, kafka.topic);
    expect(`offsets committed by ${kafka.groupId}`, lag.committed, lag.total);
    expect(`records in ${kafka.topic}`, lag.total, e.commands);
  }
  return problems;
}

/** Records in `topic`, and how many of them `groupId` has committed past. */
async function committedLag(kafka: Kafka, groupId: string, topic: string): Promise<TopicLag> {
  const admin = kafkaAdmin({ kafka });
  try {
    return await admin.lag(groupId, topic);
  } finally {
    await admin.close();
  }
}
