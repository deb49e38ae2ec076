// Prevent mode's pure parts and its claim logic: the option's validation, the decision per
// delivery, the owner's delivery, and what an LWT whose outcome is unknown leads to (a SERIAL
// read), over a scripted client. The same against real Kafka and Cassandra is in
// test/integration/prevent-*.test.ts.
import { errors, types } from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { ConfigError } from 'dendrites';
import type { CqlBatchEntry, CqlClient, CqlQueryOptions, CqlResult } from 'dendrites/cassandra';
import { type CommandDelivery, type CommandGraphOptions, defineDomain, parallelCommandGraph, seriesCommandGraph } from 'dendrites/cqrs';
import { checkGraphOptions } from '../../src/graphs/cqrs/options.js';
import { asOwner, Claims, claimOf, mayHaveApplied, ownerOfRow, preventStep } from '../../src/graphs/cqrs/prevent.js';
import { retryPolicy } from '../../src/connectors/cassandra/retry.js';

interface Cmd {
  readonly id: string;
}

const domain = defineDomain<Cmd>({
  name: 'test',
  decode: (value: Buffer) => JSON.parse(value.toString()) as unknown,
  parse: (value) => value as Cmd,
  commandId: (c) => c.id,
  apply: ({ command, delivery }) => [{ query: 'INSERT INTO ks.t (k, d) VALUES (?, ?)', params: [command.id, delivery.id] }],
});

const noClient: CqlClient = {
  execute: () => Promise.reject(new Error('not connected')),
  batch: () => Promise.reject(new Error('not connected')),
};

const options = (extra: Partial<CommandGraphOptions<Cmd>> = {}): CommandGraphOptions<Cmd> => ({
  brokers: ['127.0.0.1:1'],
  topic: 't',
  groupId: 'g',
  client: noClient,
  keyspace: 'ks',
  domain,
  ...extra,
});

const delivery = (id: string, offset = 7): CommandDelivery<Cmd> => ({
  command: { id: 'c1' },
  commandId: 'c1',
  delivery: { id, kafkaTimestamp: 1_000, topic: 'commands', partition: 2, offset: String(offset) },
});

describe('the duplicates option', () => {
  it("is 'compensate' unless told, and 'prevent' when told", () => {
    expect(checkGraphOptions('g', options()).duplicates).toBe('compensate');
    expect(checkGraphOptions('g', options({ duplicates: 'prevent' })).duplicates).toBe('prevent');
    expect(checkGraphOptions('g', options({ duplicates: 'compensate' })).duplicates).toBe('compensate');
  });

  it('refuses anything else with a ConfigError naming the option, at build time', () => {
    const bad = { ...options(), duplicates: 'exactly-once' } as unknown as CommandGraphOptions<Cmd>;
    expect(() => parallelCommandGraph(bad)).toThrow(ConfigError);
    expect(() => parallelCommandGraph(bad)).toThrow(/duplicates must be 'compensate' or 'prevent', got "exactly-once"/);
    expect(() => seriesCommandGraph(bad)).toThrow(ConfigError);
  });

  it('refuses prevent with a service branch of your own (nothing would claim the commands)', () => {
    const o = options({ duplicates: 'prevent', service: () => undefined });
    expect(() => parallelCommandGraph(o)).toThrow(ConfigError);
    expect(() => seriesCommandGraph(o)).toThrow(/duplicates 'prevent' needs the default service branch/);
  });

  it('builds both wirings in prevent mode, with the claim stage in the service branch', () => {
    expect(parallelCommandGraph(options({ duplicates: 'prevent' })).toMermaid()).toMatch(/claim/);
    expect(seriesCommandGraph(options({ duplicates: 'prevent' })).toMermaid()).toMatch(/claim/);
    expect(parallelCommandGraph(options()).toMermaid()).not.toMatch(/claim/);
  });
});

describe('the decision per delivery', () => {
  const owner = claimOf(delivery('00000000-0000-1000-8000-000000000001').delivery);

  it('the owner applies its own delivery', () => {
    const d = delivery('00000000-0000-1000-8000-000000000001');
    expect(preventStep(d, owner, false)).toEqual({ kind: 'apply', as: d });
    expect(preventStep(d, owner, true)).toEqual({ kind: 'apply', as: d }); // a retry after its own write
  });

  it("another delivery skips once the owner's effects are in", () => {
    expect(preventStep(delivery('00000000-0000-1000-8000-000000000002', 9), owner, true)).toEqual({ kind: 'skip' });
  });

  it("another delivery applies the OWNER's delivery when its effects are not in (a crash between claim and effects)", () => {
    const d = delivery('00000000-0000-1000-8000-000000000002', 9);
    const step = preventStep(d, { ...owner, offset: '7', partition: 2, kafkaTimestamp: 500 }, false);
    expect(step.kind).toBe('apply');
    if (step.kind !== 'apply') return;
    expect(step.as.delivery).toMatchObject({ id: owner.deliveryId, offset: '7', partition: 2, kafkaTimestamp: 500, topic: 'commands' });
    expect(step.as.command).toBe(d.command);
    // The domain's rows of the owner's delivery, exactly.
    expect(domain.apply(step.as, { client: noClient, keyspace: 'ks' })).toEqual(domain.apply(asOwner(d, owner), { client: noClient, keyspace: 'ks' }));
  });

  it('reads a claims row back as its owner', () => {
    const values: Record<string, unknown> = {
      delivery_id: types.TimeUuid.fromString('00000000-0000-1000-8000-00000000000A'),
      kafka_timestamp: new Date(1_000),
      kafka_topic: 'commands',
      kafka_partition: 2,
      kafka_offset: types.Long.fromNumber(7),
    };
    expect(ownerOfRow({ get: (c) => values[c] })).toEqual({ deliveryId: '00000000-0000-1000-8000-00000000000a', kafkaTimestamp: 1_000, topic: 'commands', partition: 2, offset: '7' });
  });
});

/** A driver WriteTimeout of a CAS write: the LWT's outcome is unknown. */
function casTimeout(): Error {
  const e = new errors.ResponseError(types.responseErrorCodes.writeTimeout, 'CAS operation timed out');
  Object.assign(e, { writeType: 'CAS' });
  return e;
}

type Row = CqlResult['rows'][number];
const result = (applied: boolean, rows: Record<string, unknown>[]): CqlResult => ({
  rows: rows.map((v) => ({ get: (c: string) => v[c] }) as unknown as Row),
  pageState: null,
  wasApplied: () => applied,
});

/** A client answering the claim statements from a script, recording them with their options. */
function scripted(answers: ((query: string, params: unknown[]) => CqlResult | Error)[]): CqlClient & { calls: { query: string; options: CqlQueryOptions }[] } {
  const calls: { query: string; options: CqlQueryOptions }[] = [];
  return {
    calls,
    async execute(query: string, params: unknown[], o: CqlQueryOptions) {
      calls.push({ query, options: o });
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`unexpected statement ${query}`);
      const r = answer(query, params);
      if (r instanceof Error) throw r;
      return r;
    },
    batch: (_q: CqlBatchEntry[]) => Promise.reject(new Error('no batch expected')),
  };
}

const policy = retryPolicy('test', { minDelayMs: 1, maxDelayMs: 2, giveUpAfterMs: 5_000 });
const signal = new AbortController().signal;
const rowOf = (d: CommandDelivery<Cmd>): Record<string, unknown> => ({
  delivery_id: d.delivery.id,
  kafka_timestamp: new Date(1_000),
  kafka_topic: 'commands',
  kafka_partition: 2,
  kafka_offset: types.Long.fromString(String(d.delivery.offset)),
});

describe('the claim (LWT) against a scripted client', () => {
  const mine = delivery('00000000-0000-1000-8000-000000000001');
  const theirs = delivery('00000000-0000-1000-8000-000000000002');

  it('is an INSERT ... IF NOT EXISTS at QUORUM with serial consistency SERIAL', async () => {
    const client = scripted([() => result(true, [])]);
    expect(await new Claims(client, 'ks', policy).claim(mine, signal)).toEqual(claimOf(mine.delivery));
    expect(client.calls[0].query).toMatch(/^INSERT INTO ks\.dendrites_claims .* IF NOT EXISTS$/);
    expect(client.calls[0].options).toMatchObject({ consistency: types.consistencies.quorum, serialConsistency: types.consistencies.serial, isIdempotent: false });
  });

  it('not applied: the row it returns names the owner', async () => {
    const client = scripted([() => result(false, [rowOf(theirs)])]);
    expect((await new Claims(client, 'ks', policy).claim(mine, signal)).deliveryId).toBe(theirs.delivery.id);
  });

  it('a CAS WriteTimeout is unknown: a SERIAL read finds our claim applied, and we own it', async () => {
    expect(mayHaveApplied(casTimeout())).toBe(true);
    const client = scripted([() => casTimeout(), () => result(true, [rowOf(mine)])]);
    expect((await new Claims(client, 'ks', policy).claim(mine, signal)).deliveryId).toBe(mine.delivery.id);
    expect(client.calls[1].query).toMatch(/^SELECT .* FROM ks\.dendrites_claims WHERE command_id = \?$/);
    expect(client.calls[1].options.consistency).toBe(types.consistencies.serial);
  });

  it("a CAS WriteTimeout is unknown: a SERIAL read finds another delivery's claim, and it owns the command", async () => {
    const client = scripted([() => casTimeout(), () => result(true, [rowOf(theirs)])]);
    expect((await new Claims(client, 'ks', policy).claim(mine, signal)).deliveryId).toBe(theirs.delivery.id);
  });

  it('a CAS WriteTimeout and no row at SERIAL: nobody claimed it, the claim is tried again', async () => {
    const client = scripted([() => casTimeout(), () => result(true, []), () => result(true, [])]);
    expect((await new Claims(client, 'ks', policy).claim(mine, signal)).deliveryId).toBe(mine.delivery.id);
    expect(client.calls.map((c) => c.query.slice(0, 6))).toEqual(['INSERT', 'SELECT', 'INSERT']);
  });

  it('a failure no retry can fix (no claims table) fails at once, without a read', async () => {
    const missing = new errors.ResponseError(types.responseErrorCodes.invalid, 'unconfigured table dendrites_claims');
    const client = scripted([() => missing]);
    await expect(new Claims(client, 'ks', policy).claim(mine, signal)).rejects.toThrow(/unconfigured table dendrites_claims/);
    expect(client.calls).toHaveLength(1);
  });

  it("reads the owner's applied journal row at QUORUM", async () => {
    const client = scripted([() => result(true, [{ delivery_id: theirs.delivery.id }]), () => result(true, [])]);
    const claims = new Claims(client, 'ks', policy);
    expect(await claims.ownerApplied(mine, claimOf(theirs.delivery), signal)).toBe(true);
    expect(await claims.ownerApplied(mine, claimOf(theirs.delivery), signal)).toBe(false);
    expect(client.calls[0].query).toBe("SELECT delivery_id FROM ks.dendrites_journal WHERE command_id = ? AND kind = 'applied' AND delivery_id = ?");
    expect(client.calls[0].options.consistency).toBe(types.consistencies.quorum);
  });
});
