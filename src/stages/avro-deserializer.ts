import type avro from 'avsc';
import { mapChunk } from '../core/chunk.js';
import { defineFlow, type Flow } from '../core/dsl.js';
import { BadInputError, ConfigError } from '../errors.js';
import { avroDecoder } from '../connectors/avro/codec.js';
import { badInputAt, type Decoded, type KafkaRecord } from '../core/records.js';

/** The options of `avroDeserializer`: how the writer schema is found, and a check of each value. */
export interface AvroDeserializerOptions<T> {
  /**
   * How values are laid out. `'none'` (default): plain Avro binary written with
   * `writerSchema`. `'confluent'`: magic byte 0, a 4-byte big-endian schema id, then Avro
   * binary written with `schemas[id]`.
   */
  readonly framing?: 'none' | 'confluent';
  /** Framing `'none'`: the schema the producer wrote with. Default: the reader schema. */
  readonly writerSchema?: avro.Schema | avro.Type;
  /** Framing `'confluent'`: writer schemas by id (a local registry). Required then. */
  readonly schemas?: Readonly<Record<number, avro.Schema | avro.Type>>;
  /** Checks what the schema cannot (a known action, required fields); throw to reject the value. */
  readonly validate?: (value: T, record: KafkaRecord) => void;
}

/**
 * Decodes the value of each Kafka record with an Avro reader schema, resolving the writer
 * schema into it (fields added with defaults, removed fields, promotions), and checks it
 * with `validate`. It never drops a record and never fails on bad input: each record
 * comes out as `{ ok: true, value, record }` or, when its bytes cannot be decoded (no
 * value, bad framing, unknown schema id, not Avro of that schema) or `validate` throws,
 * as `{ ok: false, error: BadInputError, record }`. Follow it with `deadLetter(...)`,
 * which parks the bad ones in a dead-letter topic and passes the good ones on. The record
 * stays reachable for its Kafka metadata. Acknowledgements travel with their records.
 *
 * Incompatible schemas are a ConfigError when the stage is built.
 *
 * - Emits when: the upstream emits (one output per record).
 * - Backpressures when: downstream backpressures.
 * - Completes when: upstream completes.
 * - Fails when: upstream fails (never on bad input).
 * - Cancels when: downstream cancels.
 */
export function avroDeserializer<T>(readerSchema: avro.Schema | avro.Type, options: AvroDeserializerOptions<T> = {}): Flow<KafkaRecord, Decoded<T>> {
  const stage = 'avroDeserializer';
  const decoder = avroDecoder(stage, readerSchema, options);
  const validate = options.validate;
  if (validate !== undefined && typeof validate !== 'function') throw new ConfigError(`${stage}: validate must be a function`, { stage });

  return defineFlow<KafkaRecord, Decoded<T>>(stage, (upstream, ctx) => {
    const decode = (record: KafkaRecord): Decoded<T> => {
      try {
        if (record.value === null) throw new BadInputError('the record has no value (a tombstone)');
        const value = decoder.decode(record.value) as T;
        validate?.(value, record);
        return { ok: true, value, record };
      } catch (error) {
        ctx.metrics.count('badInput');
        return { ok: false, error: badInputAt(error, record, ctx.name), record };
      }
    };
    return {
      pull: async (max) => {
        const chunk = await upstream.pull(max);
        return chunk === undefined ? undefined : mapChunk(chunk, decode);
      },
      cancel: (reason) => upstream.cancel(reason),
    };
  });
}

export type { Decoded, Valid, Invalid } from '../core/records.js';
