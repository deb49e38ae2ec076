import avro from 'avsc';
import { BadInputError, ConfigError, messageOf } from '../../errors.js';

/** Confluent wire format: magic byte 0, 4-byte big-endian schema id, then Avro binary. */
export const CONFLUENT_MAGIC = 0;
const HEADER = 5;

/** An Avro schema as JSON (a record, enum, union...), as avsc's `Type.forSchema` takes it. */
export type AvroSchema = avro.Schema;
/** A parsed Avro type (avsc's `Type`); the stages take a schema or a type. */
export type AvroType = avro.Type;

export function toType(stage: string, schema: avro.Schema | avro.Type, what: string): avro.Type {
  if (schema instanceof avro.Type) return schema;
  try {
    return avro.Type.forSchema(schema);
  } catch (error) {
    throw new ConfigError(`${stage}: ${what} is not a valid Avro schema: ${messageOf(error)}`, { stage, cause: error });
  }
}

export function schemaId(stage: string, id: unknown): number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffffffff) {
    throw new ConfigError(`${stage}: a schema id must be a whole number from 0 to 2^32-1, got ${String(id)}`, { stage });
  }
  return id;
}

export function frame(id: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER + payload.length);
  out.writeUInt8(CONFLUENT_MAGIC, 0);
  out.writeUInt32BE(id, 1);
  payload.copy(out, HEADER);
  return out;
}

/** Splits a Confluent-framed message; throws BadInputError if it is not one. */
export function unframe(bytes: Buffer): { readonly id: number; readonly payload: Buffer } {
  if (bytes.length < HEADER || bytes.readUInt8(0) !== CONFLUENT_MAGIC) {
    throw new BadInputError(`not Confluent-framed Avro (${bytes.length < HEADER ? 'too short' : `magic byte ${bytes.readUInt8(0)}`})`);
  }
  return { id: bytes.readUInt32BE(1), payload: bytes.subarray(HEADER) };
}

interface Reader {
  readonly writer: avro.Type;
  readonly resolver: ReturnType<avro.Type['createResolver']> | undefined;
}

/**
 * Decodes Avro binary written with a writer schema into values of a reader schema,
 * resolving the two (Avro schema evolution). All resolvers are built up front, so an
 * incompatible writer schema is a ConfigError when the stage is built.
 */
export class AvroDecoder {
  readonly #plain: Reader | undefined;
  readonly #byId = new Map<number, Reader>();

  constructor(
    stage: string,
    readonly reader: avro.Type,
    options: { readonly framing: 'none' | 'confluent'; readonly writer?: avro.Type; readonly schemas?: ReadonlyMap<number, avro.Type> },
  ) {
    const resolve = (writer: avro.Type, label: string): Reader => {
      if (writer === reader || writer.equals(reader)) return { writer, resolver: undefined };
      try {
        return { writer, resolver: reader.createResolver(writer) };
      } catch (error) {
        throw new ConfigError(`${stage}: the reader schema cannot read ${label}: ${messageOf(error)}`, { stage, cause: error });
      }
    };
    if (options.framing === 'none') this.#plain = resolve(options.writer ?? reader, 'the writer schema');
    for (const [id, writer] of options.schemas ?? new Map<number, avro.Type>()) this.#byId.set(id, resolve(writer, `schema id ${id}`));
  }

  /** Decodes one message; throws BadInputError (with the avsc error as cause) if it cannot. */
  decode(bytes: Buffer): unknown {
    let reader = this.#plain;
    let payload = bytes;
    if (reader === undefined) {
      const framed = unframe(bytes);
      reader = this.#byId.get(framed.id);
      if (reader === undefined) throw new BadInputError(`unknown schema id ${framed.id}`);
      payload = framed.payload;
    }
    try {
      return this.reader.fromBuffer(payload, reader.resolver);
    } catch (error) {
      throw new BadInputError(`undecodable Avro: ${messageOf(error)}`, { cause: error });
    }
  }
}

/** How a decoder finds the writer schema: as `avroDeserializer` and a domain's `decode` take it. */
export interface AvroDecoding {
  readonly framing?: 'none' | 'confluent';
  readonly writerSchema?: avro.Schema | avro.Type;
  readonly schemas?: Readonly<Record<number, avro.Schema | avro.Type>>;
}

/** Checks the options and builds the decoder (every schema and resolver up front): a ConfigError names what is wrong. */
export function avroDecoder(stage: string, readerSchema: avro.Schema | avro.Type, options: AvroDecoding): AvroDecoder {
  const framing = options.framing ?? 'none';
  if (framing !== 'none' && framing !== 'confluent') throw new ConfigError(`${stage}: framing must be 'none' or 'confluent'`, { stage });
  if (framing === 'confluent' && (options.schemas === undefined || Object.keys(options.schemas).length === 0)) {
    throw new ConfigError(`${stage}: framing 'confluent' needs schemas (id → writer schema)`, { stage });
  }
  if (framing === 'confluent' && options.writerSchema !== undefined) throw new ConfigError(`${stage}: writerSchema is for framing 'none'; give schemas by id`, { stage });
  const reader = toType(stage, readerSchema, 'the reader schema');
  const schemas = new Map<number, avro.Type>();
  for (const [id, s] of Object.entries(options.schemas ?? {})) schemas.set(schemaId(stage, Number(id)), toType(stage, s, `schema id ${id}`));
  const writer = options.writerSchema === undefined ? undefined : toType(stage, options.writerSchema, 'the writer schema');
  return new AvroDecoder(stage, reader, { framing, writer, schemas });
}
