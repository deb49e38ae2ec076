/**
 * `dendrites/avro`: Avro stages (avsc underneath). docs/avro.md says what a decoded value
 * looks like (unions, enums, logical types, maps) and how Confluent framing works.
 *
 * @module dendrites/avro
 */
export { avroDeserializer, type AvroDeserializerOptions } from './stages/avro-deserializer.js';
export { avroSerializer, type AvroSerializerOptions } from './stages/avro-serializer.js';
export type { Decoded, Valid, Invalid } from './core/records.js';
export type { AvroSchema, AvroType } from './connectors/avro/codec.js';
