import type avro from 'avsc';
import { mapChunk } from '../core/chunk.js';
import { defineFlow, type Flow } from '../core/dsl.js';
import { BadInputError } from '../errors.js';
import { frame, schemaId, toType } from '../connectors/avro/codec.js';

/** The options of `avroSerializer`. */
export interface AvroSerializerOptions {
  /** When set, output is Confluent-framed (magic byte 0 + this 4-byte schema id). Default: plain Avro binary. */
  readonly schemaId?: number;
}

/**
 * Encodes each value as Avro binary with `schema`, optionally Confluent-framed.
 *
 * - Emits when: the upstream emits (one buffer per value).
 * - Backpressures when: downstream backpressures.
 * - Completes when: upstream completes.
 * - Fails when: a value does not fit the schema (a BadInputError naming the fields):
 *   encoding your own data wrongly is a bug, not input to park.
 * - Cancels when: downstream cancels.
 */
export function avroSerializer<T>(schema: avro.Schema | avro.Type, options: AvroSerializerOptions = {}): Flow<T, Buffer> {
  const stage = 'avroSerializer';
  const type = toType(stage, schema, 'the schema');
  const id = options.schemaId === undefined ? undefined : schemaId(stage, options.schemaId);
  const encode = (value: T): Buffer => {
    const paths: string[] = [];
    if (!type.isValid(value, { errorHook: (path) => void paths.push(path.join('.') || '(the value)') })) {
      throw new BadInputError(`value does not fit the Avro schema ${type.name ?? type.typeName} at ${paths.join(', ')}`);
    }
    const payload = type.toBuffer(value);
    return id === undefined ? payload : frame(id, payload);
  };
  return defineFlow<T, Buffer>(stage, (upstream) => ({
    pull: async (max) => {
      const chunk = await upstream.pull(max);
      return chunk === undefined ? undefined : mapChunk(chunk, encode);
    },
    cancel: (reason) => upstream.cancel(reason),
  }));
}
