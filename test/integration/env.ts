// Helpers for integration tests: connection settings (from the env vars global-setup.ts sets),
// random resource names and pre-configured clients.
import { randomBytes } from 'node:crypto';
import cassandra from 'cassandra-driver';
import { Kafka, logLevel } from 'kafkajs';
import { connectionSettings } from '../../services/config.js';

export const kafkaBrokers = (): string[] => connectionSettings().kafkaBrokers;
export const cassandraContactPoints = (): string[] => connectionSettings().cassandraContactPoints;
export const cassandraLocalDc = (): string => connectionSettings().cassandraLocalDc;

/**
 * A random name valid both as a Kafka topic and a Cassandra keyspace/table: lowercase letters,
 * digits and underscores, starting with a letter, at most 48 characters.
 */
export function randomName(prefix: string): string {
  let p = prefix.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  if (!/^[a-z]/.test(p)) p = `t_${p}`;
  const suffix = `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  return `${p.slice(0, 48 - suffix.length - 1)}_${suffix}`;
}

/** A kafkajs client for the test brokers, logging errors only. */
export function newKafka(clientId: string = randomName('test')): Kafka {
  return new Kafka({ clientId, brokers: kafkaBrokers(), logLevel: logLevel.ERROR });
}

/** A cassandra-driver client for the test cluster (call `shutdown()` when done). */
export function newCassandraClient(keyspace?: string): cassandra.Client {
  return new cassandra.Client({
    contactPoints: cassandraContactPoints(),
    localDataCenter: cassandraLocalDc(),
    ...(keyspace !== undefined ? { keyspace } : {}),
  });
}
