/**
 * Keyspace and table helpers for the event log, usable by tests, the demo and the
 * duplicate-compensation job. Every statement is `IF NOT EXISTS`, so calling a helper
 * again is harmless. schemas/event-log.cql holds the same tables for a person to read
 * (with the keyspace `dendrites`); test/connectors/cassandra/schema.test.ts keeps them equal.
 */
import { ConfigError } from '../../errors.js';
import type { CqlClient } from './client.js';

/** The event log tables: one row per delivery, and one aggregate's history in event-time order. */
export const EVENT_LOG_TABLE = 'event_log';
/** The event log by aggregate: one aggregate's history in event-time order. */
export const EVENT_LOG_BY_AGGREGATE_TABLE = 'event_log_by_aggregate';

/** How a keyspace is replicated. Default: SimpleStrategy with one replica (a local node). */
export type Replication =
  | {
      /** One replication factor for the whole cluster. */
      readonly class: 'SimpleStrategy';
      /** Replicas of each row. */
      readonly replication_factor: number;
    }
  | {
      /** A replication factor per data center: `{ class: 'NetworkTopologyStrategy', dc1: 3 }`. */
      readonly class: 'NetworkTopologyStrategy';
      readonly [dataCenter: string]: number | string;
    };

/** Options of `createKeyspace`. */
export interface CreateKeyspaceOptions {
  /** Default `{ class: 'SimpleStrategy', replication_factor: 1 }`. */
  readonly replication?: Replication;
  /** Default true. */
  readonly durableWrites?: boolean;
}

const IDENTIFIER = /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/;

/** Checks a keyspace or table name (unquoted CQL identifier), throwing a ConfigError otherwise. */
export function cqlIdentifier(what: string, name: string): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new ConfigError(`${what} must be a CQL identifier (a letter, then letters, digits or _; at most 48), got ${JSON.stringify(name)}`);
  }
  return name;
}

function replicationCql(replication: Replication): string {
  const entries = Object.entries(replication).map(([k, v]) => {
    if (typeof v !== 'string' && (typeof v !== 'number' || !Number.isInteger(v) || v < 1)) {
      throw new ConfigError(`replication: ${k} must be a class name or a whole number of replicas, got ${String(v)}`);
    }
    return `'${k.replaceAll("'", "''")}': '${String(v).replaceAll("'", "''")}'`;
  });
  return `{${entries.join(', ')}}`;
}

/** The CQL of `createKeyspace`. */
export function createKeyspaceCql(name: string, options: CreateKeyspaceOptions = {}): string {
  const replication = options.replication ?? { class: 'SimpleStrategy', replication_factor: 1 };
  return (
    `CREATE KEYSPACE IF NOT EXISTS ${cqlIdentifier('keyspace', name)} WITH replication = ${replicationCql(replication)}` +
    ` AND durable_writes = ${options.durableWrites ?? true}`
  );
}

/** Creates a keyspace if it does not exist. */
export async function createKeyspace(client: CqlClient, name: string, options: CreateKeyspaceOptions = {}): Promise<void> {
  await client.execute(createKeyspaceCql(name, options), [], {});
}

/** Drops a keyspace if it exists (tests clean up their random keyspaces with it). */
export async function dropKeyspace(client: CqlClient, name: string): Promise<void> {
  await client.execute(`DROP KEYSPACE IF EXISTS ${cqlIdentifier('keyspace', name)}`, [], {});
}

/**
 * The event log's CREATE TABLE statements for `keyspace`.
 *
 * `event_log`: one row per delivery of an event. Partition: `bucket`, the start of the
 * time bucket of the Kafka record timestamp (the same on every redelivery of a record);
 * clustering: `event_id`, then `delivery_id` (a timeuuid given once per delivery). A
 * partition scan of one bucket returns each event's deliveries next to each other, so
 * duplicates are found without ALLOW FILTERING.
 *
 * `event_log_by_aggregate`: the same rows by aggregate, in event-time order.
 */
export function eventLogTablesCql(keyspace: string): string[] {
  const ks = cqlIdentifier('keyspace', keyspace);
  return [
    `CREATE TABLE IF NOT EXISTS ${ks}.${EVENT_LOG_TABLE} (
  bucket timestamp,
  event_id text,
  delivery_id timeuuid,
  aggregate_id text,
  parent text,
  action text,
  data text,
  event_time timestamp,
  kafka_topic text,
  kafka_partition int,
  kafka_offset bigint,
  kafka_timestamp timestamp,
  PRIMARY KEY ((bucket), event_id, delivery_id)
) WITH CLUSTERING ORDER BY (event_id ASC, delivery_id ASC)`,
    `CREATE TABLE IF NOT EXISTS ${ks}.${EVENT_LOG_BY_AGGREGATE_TABLE} (
  aggregate_id text,
  event_time timestamp,
  event_id text,
  delivery_id timeuuid,
  bucket timestamp,
  parent text,
  action text,
  data text,
  kafka_topic text,
  kafka_partition int,
  kafka_offset bigint,
  kafka_timestamp timestamp,
  PRIMARY KEY ((aggregate_id), event_time, event_id, delivery_id)
) WITH CLUSTERING ORDER BY (event_time ASC, event_id ASC, delivery_id ASC)`,
  ];
}

/** Creates the event log tables in `keyspace` (which must exist) if they do not exist. */
export async function createEventLogTables(client: CqlClient, keyspace: string): Promise<void> {
  for (const cql of eventLogTablesCql(keyspace)) await client.execute(cql, [], {});
}
