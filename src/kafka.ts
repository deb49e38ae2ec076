/**
 * `dendrites/kafka`: Kafka stages (kafkajs underneath) and an admin for topics, batches and
 * consumer-group progress. Offsets are committed only once every branch has acknowledged a record.
 *
 * @module dendrites/kafka
 */
export type { KafkaClientOptions } from './connectors/kafka/client.js';
export { kafkaSource, type KafkaSourceOptions, type ConsumerRecords, type KafkaRecord, type KafkaHeaders } from './stages/kafka-source.js';
export { consumerRecordsDequeue } from './stages/consumer-records-dequeue.js';
export { kafkaSink, type KafkaSinkOptions, type KafkaSinkResult, type OutgoingMessage } from './stages/kafka-sink.js';
export { deadLetter, type DeadLetterOptions, DEAD_LETTER_HEADERS } from './stages/dead-letter.js';
export type { Decoded, Valid, Invalid } from './core/records.js';
export { kafkaAdmin, KafkaAdmin, type CreateTopicsOptions, type ProduceMessage, type PartitionLag, type TopicLag, type UntilCommittedOptions } from './connectors/kafka/admin.js';
