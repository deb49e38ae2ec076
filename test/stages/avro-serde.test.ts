import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { BadInputError, collect, ConfigError, fromArray, map } from 'dendrites';
import { type Decoded, type KafkaRecord } from 'dendrites/kafka';
import { avroDeserializer, avroSerializer } from 'dendrites/avro';
import { commandType, openAccount, transferMoney, validateCommand, type Command } from 'dendrites/samples/money-transfer';

const record = (value: Buffer | null, offset = 0): KafkaRecord => ({ topic: 't', partition: 2, offset: String(offset), key: null, value, timestamp: '1700000000000', headers: {} });

const v1: avro.Schema = { type: 'record', name: 'Account', fields: [{ name: 'id', type: 'string' }, { name: 'balance', type: 'long' }] };
const v2: avro.Schema = {
  type: 'record',
  name: 'Account',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'balance', type: 'long' },
    { name: 'currency', type: 'string', default: 'EUR' },
  ],
};

async function decodeAll<T>(records: KafkaRecord[], flow: ReturnType<typeof avroDeserializer<T>>): Promise<Decoded<T>[]> {
  return fromArray(records).via(flow).runWith(collect()).done;
}

describe('avroSerializer → avroDeserializer', () => {
  it('round-trips commands, plain and Confluent-framed', async () => {
    const commands = [openAccount({ account_id: 'a', owner: 'Ann', initial_balance: 100 }), transferMoney({ from_account: 'a', to_account: 'b', amount: 5 })];
    const plain = await fromArray(commands).via(avroSerializer<Command>(commandType)).runWith(collect()).done;
    const framed = await fromArray(commands).via(avroSerializer<Command>(commandType, { schemaId: 42 })).runWith(collect()).done;
    expect(framed[0].subarray(0, 5)).toEqual(Buffer.from([0, 0, 0, 0, 42]));
    expect(framed[0].subarray(5)).toEqual(plain[0]);
    const a = await decodeAll(plain.map((b, i) => record(b, i)), avroDeserializer<Command>(commandType, { validate: validateCommand }));
    const b = await decodeAll(framed.map((b, i) => record(b, i)), avroDeserializer<Command>(commandType, { framing: 'confluent', schemas: { 42: commandType } }));
    for (const out of [a, b]) {
      expect(out.map((d) => d.ok && { ...d.value, data: { ...d.value.data } })).toEqual(commands.map((c) => ({ ...c, data: { ...c.data } })));
      expect(out[1].record.offset).toBe('1');
    }
  });

  it('resolves an older writer schema into a newer reader schema (field added with a default), plain and framed', async () => {
    const old = avro.Type.forSchema(v1).toBuffer({ id: 'x', balance: 7 });
    const [plain] = await decodeAll([record(old)], avroDeserializer<{ id: string; currency: string }>(v2, { writerSchema: v1 }));
    expect(plain.ok && plain.value).toMatchObject({ id: 'x', balance: 7, currency: 'EUR' });
    const newer = Buffer.concat([Buffer.from([0, 0, 0, 0, 2]), avro.Type.forSchema(v2).toBuffer({ id: 'y', balance: 1, currency: 'CHF' })]);
    const oldFramed = Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), old]);
    const out = await decodeAll([record(oldFramed), record(newer)], avroDeserializer<{ currency: string }>(v2, { framing: 'confluent', schemas: { 1: v1, 2: v2 } }));
    expect(out.map((d) => d.ok && d.value.currency)).toEqual(['EUR', 'CHF']);
  });

  it('turns bad input into { ok: false } with a BadInputError carrying the coordinates, and goes on', async () => {
    const good = commandType.toBuffer(transferMoney({ from_account: 'a', to_account: 'b', amount: 1 }));
    const unknownAction = commandType.toBuffer({ ...openAccount({ account_id: 'a' }), action: 'close-account' });
    const missing = commandType.toBuffer(transferMoney({ from_account: 'a', to_account: 'b', amount: 1 }, {}));
    const missingField = commandType.toBuffer({ ...commandType.fromBuffer(missing), data: { ...commandType.fromBuffer(missing).data, to_account: null } });
    const inputs = [good, Buffer.from([1, 2, 3, 250, 251]), null, unknownAction, missingField, Buffer.concat([good, Buffer.from([0])]), good];
    const out = await decodeAll(inputs.map((v, i) => record(v, i)), avroDeserializer<Command>(commandType, { validate: validateCommand }));
    expect(out.map((d) => d.ok)).toEqual([true, false, false, false, false, false, true]);
    for (const d of out) {
      if (d.ok) continue;
      expect(d.error).toBeInstanceOf(BadInputError);
      expect(d.error.stage).toBe('avroDeserializer');
      expect(d.error.partition).toBe(2);
      expect(d.error.offset).toBe(d.record.offset);
    }
    const messages = out.map((d) => (d.ok ? 'ok' : d.error.message));
    expect(messages[2]).toMatch(/no value/);
    expect(messages[3]).toMatch(/unknown action "close-account"/);
    expect(messages[4]).toMatch(/lacks to_account/);
  });

  it('dead-letters framing problems: no magic byte, unknown schema id', async () => {
    const payload = avro.Type.forSchema(v1).toBuffer({ id: 'account-1', balance: 7 });
    const out = await decodeAll([record(payload), record(Buffer.concat([Buffer.from([0, 0, 0, 0, 9]), payload]))], avroDeserializer(v1, { framing: 'confluent', schemas: { 1: v1 } }));
    expect(out.map((d) => (d.ok ? 'ok' : d.error.message))).toEqual([expect.stringMatching(/magic byte/), 'unknown schema id 9']);
  });

  it('keeps acknowledgements with their records', async () => {
    const acked: number[] = [];
    const src = fromArray([0, 1, 2]).via(map((i: number) => record(i === 1 ? Buffer.from('junk') : avro.Type.forSchema(v1).toBuffer({ id: `${i}`, balance: i }), i)));
    // a flow that gives each element an ack, the way kafkaSource does
    const { defineFlow } = await import('../../src/index.js');
    const tracked = defineFlow<KafkaRecord, KafkaRecord>('track', (up) => ({
      pull: async (max) => {
        const c = await up.pull(max);
        return c && { items: c.items, acks: c.items.map((r) => () => void acked.push(Number(r.offset))) };
      },
      cancel: (r) => up.cancel(r),
    }));
    const out = await src.via(tracked).via(avroDeserializer(v1)).runWith(collect()).done;
    expect(out).toHaveLength(3);
    expect(acked.sort()).toEqual([0, 1, 2]); // collect acknowledges everything it receives
  });

  it('refuses bad options when built', () => {
    expect(() => avroDeserializer({ type: 'record', name: 'X', fields: [{ name: 'a', type: 'nope' }] } as avro.Schema)).toThrow(ConfigError);
    expect(() => avroDeserializer(v2, { writerSchema: { type: 'record', name: 'Account', fields: [{ name: 'id', type: 'int' }] } })).toThrow(ConfigError);
    expect(() => avroDeserializer(v2, { framing: 'confluent' })).toThrow(ConfigError);
    expect(() => avroDeserializer(v2, { framing: 'confluent', schemas: { [-1]: v1 } })).toThrow(ConfigError);
    expect(() => avroSerializer(v1, { schemaId: 1.5 })).toThrow(ConfigError);
  });

  it('fails the graph when a value does not fit the schema on serializing', async () => {
    const done = fromArray([{ id: 'x', balance: 'lots' }]).via(avroSerializer(v1)).runWith(collect()).done;
    await expect(done).rejects.toBeInstanceOf(BadInputError);
    await expect(done).rejects.toThrow(/balance/);
  });
});
