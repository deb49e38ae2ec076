/** Clients for the CLI from the connection settings (KAFKA_BROKERS, CASSANDRA_CONTACT_POINTS, CASSANDRA_LOCAL_DC). */
import cassandra from 'cassandra-driver';
import { Kafka, logLevel } from 'kafkajs';
import { type KafkaAdmin, kafkaAdmin } from 'dendrites/kafka';
import { cassandraConsistency } from '../../services/config.js';
import { connectionSettings } from '../../services/services.js';

/**
 * A kafkajs client on the configured brokers. `quiet` (the one-shot commands) logs nothing: a
 * failure reaches the user as one line from main.ts, not as kafkajs' JSON log lines. The graph
 * of `dendrites run` keeps kafkajs' error log, as it rides out outages rather than failing.
 */
export function cliKafka(clientId: string, options: { readonly quiet?: boolean } = {}): Kafka {
  return new Kafka({ clientId, brokers: connectionSettings().kafkaBrokers, logLevel: options.quiet === true ? logLevel.NOTHING : logLevel.ERROR });
}

/**
 * A client that tries to reconnect every second (the driver's default backs off towards minutes, which
 * outlasts an outage the graph rides out). CASSANDRA_CONSISTENCY (e.g. `QUORUM` on a 3-node cluster)
 * sets its default consistency level, which every statement of the graphs and jobs uses.
 */
export function cliCassandra(): cassandra.Client {
  const s = connectionSettings();
  const consistency = cassandraConsistency();
  return new cassandra.Client({
    contactPoints: s.cassandraContactPoints,
    localDataCenter: s.cassandraLocalDc,
    policies: { reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(1000) },
    ...(consistency === undefined ? {} : { queryOptions: { consistency: cassandra.types.consistencies[consistency] } }),
  });
}

/** An admin on the configured brokers; kafkajs logs nothing (the CLI prints one line per failure). */
export function cliAdmin(clientId: string): KafkaAdmin {
  return kafkaAdmin({ brokers: connectionSettings().kafkaBrokers, clientId, logLevel: 'nothing' });
}
