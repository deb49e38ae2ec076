// What a value looks like after `avroDeserializer` (avsc 5.7 underneath), type by type: each
// claim of docs/avro.md is pinned here. Values are encoded with avsc and decoded through the
// public stage, from an in-memory source of Kafka records.
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { BadInputError, collect, ConfigError, fromArray } from 'dendrites';
import type { KafkaRecord } from 'dendrites/kafka';
import { avroDeserializer, avroSerializer, type AvroDeserializerOptions, type AvroSchema, type AvroType, type Decoded } from 'dendrites/avro';

const record = (value: Buffer | null, offset = 0): KafkaRecord => ({ topic: 'commands', partition: 0, offset: String(offset), key: null, value, timestamp: '1700000000000', headers: {} });

async function decodeAll(reader: AvroSchema | AvroType, values: readonly (Buffer | null)[], options: AvroDeserializerOptions<unknown> = {}): Promise<Decoded<unknown>[]> {
  return fromArray(values.map((v, i) => record(v, i)))
    .via(avroDeserializer<unknown>(reader, options))
    .runWith(collect()).done;
}

/** The decoded value of one record; fails the test if it did not decode. */
async function decoded(reader: AvroSchema | AvroType, bytes: Buffer, options: AvroDeserializerOptions<unknown> = {}): Promise<Record<string, unknown>> {
  const [d] = await decodeAll(reader, [bytes], options);
  if (!d.ok) throw d.error;
  return d.value as Record<string, unknown>;
}

/** The error message of one record that did not decode; fails the test if it did. */
async function rejected(reader: AvroSchema | AvroType, bytes: Buffer | null, options: AvroDeserializerOptions<unknown> = {}): Promise<string> {
  const [d] = await decodeAll(reader, [bytes], options);
  if (d.ok) throw new Error(`decoded: ${JSON.stringify(d.value)}`);
  expect(d.error).toBeInstanceOf(BadInputError);
  return d.error.message;
}

const encode = (schema: AvroSchema | AvroType, value: unknown): Buffer => (schema instanceof avro.Type ? schema : avro.Type.forSchema(schema)).toBuffer(value);
const rec = (name: string, fields: unknown[], extra: object = {}): AvroSchema => ({ type: 'record', name, fields, ...extra }) as AvroSchema;

/** Avro's binary encoding of a long (zig-zag, then a little-endian base-128 varint), exact for any 64-bit value. */
function avroLong(n: bigint): Buffer {
  let z = n >= 0n ? n << 1n : (-n << 1n) - 1n;
  const out: number[] = [];
  do {
    out.push(Number(z & 0x7fn) | (z > 0x7fn ? 0x80 : 0));
    z >>= 7n;
  } while (z > 0n);
  return Buffer.from(out);
}

describe('records', () => {
  const person = rec('Person', [{ name: 'name', type: 'string' }, { name: 'age', type: 'int' }], { namespace: 'com.acme' });

  it('decode as an instance of a class named after the record, with exactly the fields as own properties', async () => {
    const value = await decoded(person, encode(person, { name: 'Ann', age: 42 }));
    expect(value).toEqual({ name: 'Ann', age: 42 });
    expect(value.constructor.name).toBe('Person');
    expect(Object.keys(value)).toEqual(['name', 'age']);
    expect(value).not.toStrictEqual({ name: 'Ann', age: 42 }); // not a plain object...
    expect({ ...value }).toStrictEqual({ name: 'Ann', age: 42 }); // ...until spread
    expect(JSON.stringify(value)).toBe('{"name":"Ann","age":42}');
    expect(typeof (value as { toBuffer?: unknown }).toBuffer).toBe('function'); // avsc's methods, on the prototype
  });
});

describe('unions', () => {
  const a = rec('A', [{ name: 'x', type: 'int' }]);
  const b = rec('B', [{ name: 'y', type: 'string' }]);
  const envelope = rec('Envelope', [{ name: 'body', type: [a, b] }], { namespace: 'com.acme' });

  it('of records decode wrapped: one key, the branch full name (the namespace is inherited)', async () => {
    const value = await decoded(envelope, encode(envelope, { body: { 'com.acme.B': { y: 'hi' } } }));
    expect(value).toEqual({ body: { 'com.acme.B': { y: 'hi' } } });
  });

  it('of records without a namespace are keyed by the bare name', async () => {
    const plain = rec('Envelope', [{ name: 'body', type: [a, b] }]);
    expect(await decoded(plain, encode(plain, { body: { A: { x: 1 } } }))).toEqual({ body: { A: { x: 1 } } });
  });

  it('of records cannot be read unwrapped: such a type is refused', () => {
    expect(() => avro.Type.forSchema(envelope, { wrapUnions: 'never' })).toThrow(/ambiguous unwrapped union/);
  });

  it('of distinct kinds of scalars decode unwrapped, ambiguous ones wrapped by type name', async () => {
    const scalars = rec('Scalars', [{ name: 'stringOrInt', type: ['string', 'int'] }, { name: 'intOrLong', type: ['int', 'long'] }]);
    const value = await decoded(scalars, encode(scalars, { stringOrInt: 5, intOrLong: { long: 7 } }));
    expect(value).toEqual({ stringOrInt: 5, intOrLong: { long: 7 } });
  });

  it('wrap every branch when the reader is a type built with wrapUnions: always', async () => {
    const schema = rec('Envelope', [{ name: 'body', type: ['string', 'int'] }]);
    const always = avro.Type.forSchema(schema, { wrapUnions: 'always' });
    expect(await decoded(always, encode(schema, { body: 'hi' }))).toEqual({ body: { string: 'hi' } });
  });
});

describe('nullable unions', () => {
  const inner = rec('Inner', [{ name: 'z', type: 'int' }]);
  const schema = rec('Nullable', [
    { name: 'text', type: ['null', 'string'], default: null },
    { name: 'nested', type: ['null', inner], default: null },
  ]);

  it('decode as the value or null, unwrapped', async () => {
    expect(await decoded(schema, encode(schema, { text: 'hi', nested: { z: 2 } }))).toEqual({ text: 'hi', nested: { z: 2 } });
    expect(await decoded(schema, encode(schema, { text: null, nested: null }))).toEqual({ text: null, nested: null });
  });

  it('decode wrapped when the reader type wraps unions (null stays null)', async () => {
    const always = avro.Type.forSchema(schema, { wrapUnions: 'always' });
    expect(await decoded(always, encode(schema, { text: 'hi', nested: { z: 2 } }))).toEqual({ text: { string: 'hi' }, nested: { Inner: { z: 2 } } });
    expect(await decoded(always, encode(schema, { text: null, nested: null }))).toEqual({ text: null, nested: null });
  });
});

describe('enums', () => {
  const colour = (symbols: string[], extra: object = {}): AvroSchema => rec('Paint', [{ name: 'colour', type: { type: 'enum', name: 'Colour', symbols, ...extra } }]);

  it('decode as their symbol, a string', async () => {
    const schema = colour(['RED', 'GREEN']);
    expect(await decoded(schema, encode(schema, { colour: 'GREEN' }))).toEqual({ colour: 'GREEN' });
  });

  it("a writer's symbol the reader lacks is a ConfigError when the stage is built, unless the reader's enum has a default", async () => {
    const writer = colour(['RED', 'GREEN', 'BLUE']);
    expect(() => avroDeserializer(colour(['RED', 'GREEN']), { writerSchema: writer })).toThrow(ConfigError);
    const reader = colour(['RED', 'GREEN', 'OTHER'], { default: 'OTHER' });
    expect(await decoded(reader, encode(writer, { colour: 'BLUE' }), { writerSchema: writer })).toEqual({ colour: 'OTHER' });
  });
});

describe('logical types', () => {
  const schema = rec('Stamped', [
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'atMicros', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 6, scale: 2 } },
  ]);
  const value = { at: 1_700_000_000_000, atMicros: 1_700_000_000_000_123, day: 19_675, id: '1b4e28ba-2fa1-11d2-883f-0016d3cca427', price: Buffer.from([0x30, 0x39]) };

  it('decode as their underlying type: timestamps as numbers, a date as a day number, a uuid as a string, a decimal as bytes', async () => {
    expect(await decoded(schema, encode(schema, value))).toEqual(value);
  });

  it('decode as a Date only with a reader type that registers an implementation', async () => {
    class DateType extends avro.types.LogicalType {
      protected override _fromValue(v: unknown): Date {
        return new Date(Number(v));
      }
      protected override _toValue(v: unknown): unknown {
        return v instanceof Date ? v.getTime() : v;
      }
      protected override _resolve(type: AvroType): unknown {
        return avro.Type.isType(type, 'long', 'logical:timestamp-millis') ? this._fromValue.bind(this) : undefined;
      }
    }
    const stamped = rec('Stamped', [{ name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } }]);
    const withDates = avro.Type.forSchema(stamped, { logicalTypes: { 'timestamp-millis': DateType } });
    expect(await decoded(withDates, encode(stamped, { at: 1_700_000_000_000 }))).toEqual({ at: new Date(1_700_000_000_000) });
    // and through schema resolution too
    expect(await decoded(withDates, encode(stamped, { at: 0 }), { writerSchema: stamped })).toEqual({ at: new Date(0) });
  });

  it('a Date does not encode as a timestamp-millis without an implementation', async () => {
    const stamped = rec('Stamped', [{ name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } }]);
    const done = fromArray([{ at: new Date(0) }]).via(avroSerializer(stamped)).runWith(collect()).done;
    await expect(done).rejects.toBeInstanceOf(BadInputError);
  });
});

describe('maps, bytes, fixed, arrays and numbers', () => {
  const schema = rec('Mixed', [
    { name: 'counts', type: { type: 'map', values: 'long' } },
    { name: 'raw', type: 'bytes' },
    { name: 'hash', type: { type: 'fixed', name: 'Hash4', size: 4 } },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'lines', type: { type: 'array', items: rec('Line', [{ name: 'qty', type: 'int' }]) } },
    { name: 'flag', type: 'boolean' },
    { name: 'nothing', type: 'null' },
    { name: 'small', type: 'int' },
    { name: 'big', type: 'long' },
    { name: 'single', type: 'float' },
    { name: 'double', type: 'double' },
  ]);
  const value = {
    counts: { a: 1, b: 2 },
    raw: Buffer.from('hi'),
    hash: Buffer.from([1, 2, 3, 4]),
    tags: ['x', 'y'],
    lines: [{ qty: 1 }, { qty: 2 }],
    flag: true,
    nothing: null,
    small: -3,
    big: 2 ** 40,
    single: 0.1,
    double: 0.1,
  };

  it('decode as a plain object, Buffers, arrays and numbers (a float as its single-precision value)', async () => {
    const out = await decoded(schema, encode(schema, value));
    expect(out).toEqual({ ...value, single: Math.fround(0.1) });
    expect(Object.getPrototypeOf(out.counts)).toBe(Object.prototype);
    expect(Buffer.isBuffer(out.raw) && Buffer.isBuffer(out.hash)).toBe(true);
    expect(Array.isArray(out.tags)).toBe(true);
    expect((out.lines as object[])[0].constructor.name).toBe('Line');
  });

  it('a long decodes as an exact number from −2^52 to 2^53 − 2; above, the record is bad input', async () => {
    const long = rec('Long', [{ name: 'n', type: 'long' }]);
    const max = 2 ** 53 - 2;
    const min = -(2 ** 52);
    expect(avroLong(BigInt(max))).toEqual(encode(long, { n: max }));
    expect(await decoded(long, avroLong(BigInt(max)))).toEqual({ n: max });
    expect(await decoded(long, avroLong(BigInt(min)))).toEqual({ n: min });
    expect(await rejected(long, avroLong(BigInt(max) + 1n))).toBe('undecodable Avro: potential precision loss');
    expect(await rejected(long, avroLong(2n ** 63n - 1n))).toBe('undecodable Avro: potential precision loss');
  });

  it('a long below −2^52 decodes WRONG with avsc 5.7, without an error, and encodes wrong too', async () => {
    const long = rec('Long', [{ name: 'n', type: 'long' }]);
    const below = -(2 ** 52) - 1;
    expect(await decoded(long, avroLong(BigInt(below)))).toEqual({ n: 2 ** 52 }); // the sign is lost
    expect(encode(long, { n: below })).not.toEqual(avroLong(BigInt(below)));
    expect(await decoded(long, encode(long, { n: below }))).toEqual({ n: 2 ** 52 });
  });
});

describe('schema evolution (writer schema resolved into the reader schema)', () => {
  const writer = rec('Account', [
    { name: 'id', type: 'int' },
    { name: 'balance', type: 'float' },
    { name: 'owner', type: 'string' },
    { name: 'legacy', type: 'string' },
    { name: 'branch', type: 'string' },
  ]);
  const reader = rec('Account', [
    { name: 'id', type: 'long' }, // int → long
    { name: 'balance', type: 'double' }, // float → double
    { name: 'owner', type: 'bytes' }, // string → bytes
    // `legacy` removed
    { name: 'office', type: 'string', aliases: ['branch'] }, // renamed, with an alias
    { name: 'currency', type: 'string', default: 'EUR' }, // added, with a default
    { name: 'note', type: ['null', 'string'], default: null }, // added, nullable
  ]);
  const bytes = encode(writer, { id: 7, balance: 0.5, owner: 'Ann', legacy: 'x', branch: 'Zurich' });

  it('promotes, drops removed fields, follows aliases and fills defaults', async () => {
    expect(await decoded(reader, bytes, { writerSchema: writer })).toEqual({ id: 7, balance: 0.5, owner: Buffer.from('Ann'), office: 'Zurich', currency: 'EUR', note: null });
  });

  it('reads a plain field into a nullable union', async () => {
    const plain = rec('V', [{ name: 'v', type: 'string' }]);
    const nullable = rec('V', [{ name: 'v', type: ['null', 'string'], default: null }]);
    expect(await decoded(nullable, encode(plain, { v: 's' }), { writerSchema: plain })).toEqual({ v: 's' });
  });

  it('refuses, when the stage is built, what cannot be resolved', () => {
    const refused = (readerSchema: AvroSchema, writerSchema: AvroSchema): void => {
      expect(() => avroDeserializer(readerSchema, { writerSchema })).toThrow(ConfigError);
    };
    refused(rec('Account', [{ name: 'id', type: 'int' }, { name: 'extra', type: 'int' }]), writer); // added without a default
    refused(rec('Other', [{ name: 'id', type: 'int' }]), writer); // renamed record without an alias
    refused(rec('V', [{ name: 'v', type: 'string' }]), rec('V', [{ name: 'v', type: ['null', 'string'] }])); // nullable into non-null
    expect(() => avroDeserializer(rec('Other', [{ name: 'id', type: 'int' }], { aliases: ['Account'] }), { writerSchema: writer })).not.toThrow();
  });

  it('without writerSchema the reader schema is taken as the writer: bytes of another schema fail, or decode as wrong values', async () => {
    expect(await rejected(reader, bytes)).toBe('undecodable Avro: truncated buffer');
    const renamed = rec('Point', [{ name: 'y', type: 'int' }]);
    expect(await decoded(renamed, encode(rec('Point', [{ name: 'x', type: 'int' }]), { x: 5 }))).toEqual({ y: 5 });
  });
});

describe('Confluent framing', () => {
  const v1 = rec('Account', [{ name: 'id', type: 'string' }]);
  const v2 = rec('Account', [{ name: 'id', type: 'string' }, { name: 'currency', type: 'string', default: 'EUR' }]);

  it('avroSerializer with schemaId writes magic byte 0, the 4-byte big-endian id, then the Avro binary', async () => {
    const [framed] = await fromArray([{ id: 'a' }]).via(avroSerializer(v1, { schemaId: 258 })).runWith(collect()).done;
    expect(framed.subarray(0, 5)).toEqual(Buffer.from([0, 0, 0, 1, 2]));
    expect(framed.subarray(5)).toEqual(encode(v1, { id: 'a' }));
  });

  it('decodes each record with the writer schema of its id, resolved into the reader schema', async () => {
    const frame = (id: number, payload: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, 0, id]), payload]);
    const out = await decodeAll(v2, [frame(1, encode(v1, { id: 'old' })), frame(2, encode(v2, { id: 'new', currency: 'CHF' }))], { framing: 'confluent', schemas: { 1: v1, 2: v2 } });
    expect(out.map((d) => d.ok && d.value)).toEqual([
      { id: 'old', currency: 'EUR' },
      { id: 'new', currency: 'CHF' },
    ]);
  });

  it('turns bad framing into bad input: unknown id, wrong magic byte, too short', async () => {
    const options: AvroDeserializerOptions<unknown> = { framing: 'confluent', schemas: { 1: v1 } };
    const payload = encode(v1, { id: 'a' });
    expect(await rejected(v1, Buffer.concat([Buffer.from([0, 0, 0, 0, 9]), payload]), options)).toBe('unknown schema id 9');
    expect(await rejected(v1, Buffer.concat([Buffer.from([1, 0, 0, 0, 1]), payload]), options)).toBe('not Confluent-framed Avro (magic byte 1)');
    expect(await rejected(v1, Buffer.from([0, 0]), options)).toBe('not Confluent-framed Avro (too short)');
  });

  it('needs schemas by id, and no writerSchema', () => {
    expect(() => avroDeserializer(v1, { framing: 'confluent' })).toThrow(ConfigError);
    expect(() => avroDeserializer(v1, { framing: 'confluent', schemas: { 1: v1 }, writerSchema: v1 })).toThrow(ConfigError);
  });
});

describe('bad input', () => {
  const schema = rec('V', [{ name: 'v', type: 'string' }]);

  it('a tombstone, trailing bytes: { ok: false } with a BadInputError, and the stream goes on', async () => {
    const good = encode(schema, { v: 'ok' });
    const out = await decodeAll(schema, [null, Buffer.concat([good, Buffer.from([0])]), good]);
    expect(out.map((d) => (d.ok ? d.value : d.error.message))).toEqual(['the record has no value (a tombstone)', 'undecodable Avro: trailing data', { v: 'ok' }]);
    expect(out.map((d) => d.record.offset)).toEqual(['0', '1', '2']);
  });

  it('what validate throws: a BadInputError keeps its message, anything else is wrapped', async () => {
    const validate = (value: unknown): void => {
      const v = (value as { v: string }).v;
      if (v === 'bad') throw new BadInputError('v must not be bad');
      if (v === 'worse') throw new Error('worse');
    };
    const out = await decodeAll(schema, ['bad', 'worse', 'fine'].map((v) => encode(schema, { v })), { validate });
    expect(out.map((d) => (d.ok ? d.value : d.error.message))).toEqual(['v must not be bad', 'invalid value: worse', { v: 'fine' }]);
    expect(out.every((d) => d.ok || d.error instanceof BadInputError)).toBe(true);
  });
});
