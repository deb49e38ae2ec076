// vitest globalSetup for the `cluster` project (`npm run test:cluster`): brings up (or reuses) the
// 3-node cluster of `npm run services -- up --nodes 3` and hands its settings to the test workers
// through KAFKA_BROKERS, CASSANDRA_CONTACT_POINTS, CASSANDRA_LOCAL_DC and CASSANDRA_CONSISTENCY
// (QUORUM). The cluster is left running afterwards (.ci/run stops it with `services down`).
import type { TestProject } from 'vitest/node';
import { servicesUp } from '../../services/services.js';

export default async function setup(_project: TestProject): Promise<void> {
  const settings = await servicesUp({ nodes: 3, log: (msg) => console.log(`[cluster] ${msg}`) });
  process.env.KAFKA_BROKERS = settings.kafkaBrokers.join(',');
  process.env.CASSANDRA_CONTACT_POINTS = settings.cassandraContactPoints.join(',');
  process.env.CASSANDRA_LOCAL_DC = settings.cassandraLocalDc;
  process.env.CASSANDRA_CONSISTENCY = 'quorum';
}
