// Writing to Cassandra: balances through cassandraBind → cassandraRetrySink, deliveries
// through eventLogSink, then an aggregate's history read back with cassandraQuery.
// Needs a Cassandra node: `npm run services -- up`, then
//   npx tsx examples/cassandra-sink.ts
// (CASSANDRA_CONTACT_POINTS and CASSANDRA_LOCAL_DC override 127.0.0.1:9042 / datacenter1.)
import cassandra from 'cassandra-driver';
import { collect, fromArray } from 'dendrites';
import { type EventLogEntry, cassandraBind, cassandraQuery, cassandraRetrySink, createEventLogTables, createKeyspace, dropKeyspace, eventLogSink, newDeliveryId } from 'dendrites/cassandra';

const client = new cassandra.Client({
  contactPoints: (process.env.CASSANDRA_CONTACT_POINTS ?? '127.0.0.1:9042').split(','),
  localDataCenter: process.env.CASSANDRA_LOCAL_DC ?? 'datacenter1',
  // reconnect soon after an outage (the default backs off towards minutes)
  policies: { reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(1000) },
});
const keyspace = `example_${Date.now().toString(36)}`;

try {
  await createKeyspace(client, keyspace);
  await createEventLogTables(client, keyspace);
  await client.execute(`CREATE TABLE ${keyspace}.balances (account text PRIMARY KEY, amount bigint)`);

  // 1,000 deposits to 10 accounts: writes to one account stay in order (key), and the
  // sink retries timeouts and unavailability (the statement is idempotent).
  interface Deposit {
    readonly id: string;
    readonly account: string;
    readonly balanceAfter: number;
    readonly at: number;
  }
  const now = Date.now();
  const deposits: Deposit[] = Array.from({ length: 1000 }, (_, i) => ({
    id: `dep-${i}`,
    account: `acct-${i % 10}`,
    balanceAfter: (Math.floor(i / 10) + 1) * 5,
    at: now + i,
  }));
  const balances = cassandraBind<Deposit>({
    cql: `UPDATE ${keyspace}.balances SET amount = ? WHERE account = ?`,
    bind: (d) => [d.balanceAfter, d.account],
    key: (d) => d.account,
    idempotent: true,
  });
  const written = await fromArray(deposits).via(balances).runWith(cassandraRetrySink({ client, parallelism: 32 })).done;
  console.log(`balances: ${written.written} writes, ${written.retries} retries`);

  // Each delivery logged once per delivery, with its (here made-up) Kafka coordinates.
  const toEntry = (d: Deposit, offset: number): EventLogEntry => ({
    event: { id: d.id, action: 'deposit', data: { account: d.account, amount: 5 }, timestamp: d.at },
    aggregateId: d.account,
    delivery: { id: newDeliveryId(), kafkaTimestamp: d.at, topic: 'deposits', partition: 0, offset: String(offset) },
  });
  const logged = await fromArray(deposits.map(toEntry)).runWith(eventLogSink({ client, keyspace })).done;
  console.log(`event log: ${logged.written} deliveries logged`);

  const history = await cassandraQuery({ client: client, query: `SELECT event_id, event_time FROM ${keyspace}.event_log_by_aggregate WHERE aggregate_id = ?`, params: ['acct-3'], pageSize: 25 })
    .runWith(collect())
    .done;
  const balance = (await client.execute(`SELECT amount FROM ${keyspace}.balances WHERE account = ?`, ['acct-3'], { prepare: true })).first();
  console.log(`acct-3: ${history.length} events, first ${String(history[0]?.event_id)}, last ${String(history.at(-1)?.event_id)}, balance ${String(balance?.amount)}`);
} finally {
  await dropKeyspace(client, keyspace).catch(() => undefined);
  await client.shutdown();
}
