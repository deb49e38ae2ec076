// vitest globalSetup for the `integration` project: makes sure Kafka and Cassandra answer
// (starting local servers when needed, reusing running ones) and hands the connection
// settings to the test workers through KAFKA_BROKERS, CASSANDRA_CONTACT_POINTS and
// CASSANDRA_LOCAL_DC. Services are deliberately left running afterwards (.ci/run stops them).
import type { TestProject } from 'vitest/node';
import { servicesUp } from '../../services/services.js';

export default async function setup(_project: TestProject): Promise<void> {
  const settings = await servicesUp({ log: (msg) => console.log(`[services] ${msg}`) });
  process.env.KAFKA_BROKERS = settings.kafkaBrokers.join(',');
  process.env.CASSANDRA_CONTACT_POINTS = settings.cassandraContactPoints.join(',');
  process.env.CASSANDRA_LOCAL_DC = settings.cassandraLocalDc;
}
