// The inventory sample on the real Kafka and Cassandra, through the public API only:
// every crash point of both wirings at a reservation, redelivery, then ONE run of the
// compensation job: stocks and order statuses are the once-only ones. And the domain's
// bad input: undecodable values and invalid commands are dead-lettered with the reason,
// values of an older and a newer writer schema are resolved and applied.
import { afterEach, describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS } from 'dendrites/kafka';
import { EVENT_LOG_BY_AGGREGATE_TABLE } from 'dendrites/cassandra';
import { type CommandDomain, compensate, parallelCommandGraph, seriesCommandGraph } from 'dendrites/cqrs';
import {
  demo,
  domain,
  encodeCommand,
  type InventoryCommand,
  inventoryType,
  onceOnlyStock,
  orderStatusOf,
  release,
  reserve,
  restock,
  scenarioCommands,
  setOrderStatus,
  signedQuantity,
  stockOf,
} from 'dendrites/samples/inventory';
import { newerType, olderType } from '../samples/inventory/schema-versions.js';
import { CRASH_CASES, crashAt, journalCounts } from './fixtures/crash-points.js';
import { type CommandTopicFixture, commandTopicFixture } from './fixtures/cqrs-fixture.js';

type Fixture = CommandTopicFixture;

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

/** A keyspace with the library's tables and the inventory's, a commands topic and its dead-letter topic. */
const fixture = (name: string): Promise<Fixture> => commandTopicFixture(name, demo.createTables);

describe('inventory crash points', () => {
  it.each(CRASH_CASES)('$wiring wiring, $point: redelivery and one job run leave the once-only stocks and statuses', async ({ wiring, point, expected }) => {
    const f = (fx = await fixture(`inv_${wiring}_${point}`));
    const since = Date.now() - 1000;
    const options = { commands: 150, seed: 11 };
    const scenario = demo.scenario(options);
    const commands = scenarioCommands(options);
    // A reservation in the middle: its duplicate delivery takes the stock twice.
    const target = commands.commands.slice(75).find((c): c is Extract<InventoryCommand, { action: 'reserve' }> => c.action === 'reserve');
    if (target === undefined) throw new Error('the scenario has no reservation after command 75');
    const onceOnly = onceOnlyStock([...commands.setup, ...commands.commands]).get(target.sku);
    const make = wiring === 'parallel' ? parallelCommandGraph : seriesCommandGraph;
    const base = { kafka: f.kafka, topic: f.topic, groupId: f.groupId, client: f.client, keyspace: f.keyspace, domain, parallelism: 4, consumer: { commitIntervalMs: 200 } };

    const stocking = make(base).run();
    await f.admin.produce(f.topic, scenario.setup);
    await f.admin.untilCommitted(f.groupId, f.topic, { timeoutMs: 60_000, failed: stocking.done });
    await stocking.stop();

    await f.admin.produce(f.topic, scenario.commands);
    const crashing = make({ ...base, faults: crashAt<InventoryCommand>(point, target.id) }).run();
    await expect(crashing.done).rejects.toThrow(/injected crash/);
    expect(await journalCounts(f.client, f.keyspace, target.id)).toEqual({ applied: expected.applied - 1, logged: expected.logged - 1 });

    const recovering = make(base).run();
    await f.admin.untilCommitted(f.groupId, f.topic, { timeoutMs: 60_000, failed: recovering.done });
    await recovering.stop();
    expect(await journalCounts(f.client, f.keyspace, target.id)).toEqual(expected);
    // One movement per applied delivery of the target.
    const movements = await f.client.execute(`SELECT movement_id, quantity FROM ${f.keyspace}.inventory_movements WHERE sku = ?`, [target.sku], { prepare: true });
    const targets = movements.rows.filter((r) => String(r.get('movement_id')).startsWith(`${target.id}:`));
    expect(targets.map((r) => r.get('quantity'))).toEqual(Array.from({ length: expected.applied }, () => -target.quantity));
    if (expected.applied === 2) {
      // Before the job: at least the target's second reservation is in the stock (other redelivered commands may be too).
      const before = await demo.scenario(options).check(f.client, f.keyspace);
      expect(before.wrong).toBeGreaterThan(0);
    }

    const summary = await compensate({ client: f.client, keyspace: f.keyspace, domain, since, until: Date.now() });
    expect(summary.duplicateEffects).toBeGreaterThanOrEqual(expected.applied - 1);
    expect(summary.compensated).toBeGreaterThanOrEqual(expected.applied - 1);
    expect(await stockOf(f.client, f.keyspace, target.sku)).toBe(onceOnly);
    const check = await scenario.check(f.client, f.keyspace);
    expect(check).toMatchObject({ wrong: 0, unit: 'SKUs and orders' });
    expect(check.checked).toBeGreaterThan(50);

    // The job's correction of the target: one movement `comp:<id>` giving back its extra reservation.
    if (expected.applied === 2) {
      const comp = await f.client.execute(`SELECT quantity FROM ${f.keyspace}.inventory_movements WHERE sku = ? AND movement_id = ?`, [target.sku, `comp:${target.id}`], { prepare: true });
      expect(comp.rows.map((r) => r.get('quantity'))).toEqual([-signedQuantity(target)]);
    }
    // A second run writes nothing new.
    const again = await compensate({ client: f.client, keyspace: f.keyspace, domain, since, until: Date.now() });
    expect(again).toMatchObject({ compensated: 0, unchanged: summary.compensated });
    expect((await scenario.check(f.client, f.keyspace)).wrong).toBe(0);
  });
});

/** Confluent framing: magic byte 0, the schema id (4 bytes, big-endian), the Avro bytes. */
function framed(id: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(id, 1);
  return Buffer.concat([header, payload]);
}


describe('inventory bad input', () => {
  it('dead-letters undecodable and invalid values with the reason, applies the resolvable writer schemas, goes on and commits every offset', async () => {
    const f = (fx = await fixture('inv_bad_input'));
    // Schema ids a producer may write with: 1 the current schema, 2 an older one, 3 a newer one.
    const schemas = { 1: inventoryType, 2: olderType(), 3: newerType() };
    const confluent: CommandDomain<InventoryCommand> = { ...domain, decode: { avro: inventoryType, framing: 'confluent', schemas } };
    const t = Date.UTC(2025, 2, 1);
    const stocked = restock({ sku: 'sku-x', quantity: 10, warehouse: 'SOUTH' }, { id: 'good-restock', issuedAt: t });
    const released = release({ sku: 'sku-x', quantity: 1, orderId: 'o-1' }, { id: 'good-release', issuedAt: t + 5 });
    const older = olderType().toBuffer({ id: 'older-status', issued_at: t + 1, payload: { 'dendrites.inventory.SetOrderStatus': { order_id: 'o-1', status: 'PAID' } } });
    const newer = newerType().toBuffer({ id: 'newer-reserve', issued_at: t + 2, source: 'pos', payload: { 'dendrites.inventory.Reserve': { sku: 'sku-x', quantity: 4, order_id: 'o-1', channel: 'store' } } });
    const newerInvalid = newerType().toBuffer({ id: 'newer-bad', issued_at: t + 3, source: 'pos', payload: { 'dendrites.inventory.Reserve': { sku: '', quantity: 4, order_id: 'o-1', channel: 'store' } } });
    const bad = [
      { key: 'bad-garbage', value: framed(1, Buffer.from('this is not Avro')), reason: /undecodable Avro: truncated buffer/ },
      { key: 'bad-unframed', value: Buffer.from('plain text'), reason: /not Confluent-framed Avro/ },
      { key: 'bad-schema-id', value: framed(9, encodeCommand(stocked)), reason: /unknown schema id 9/ },
      { key: 'bad-quantity', value: framed(1, encodeCommand(reserve({ sku: 'sku-x', quantity: 0, orderId: 'o-1' }, { id: 'bad-q', issuedAt: t + 4 }))), reason: /Reserve\.quantity must be a positive whole number up to 2147483647, got 0/ },
      { key: 'bad-status', value: framed(1, encodeCommand(setOrderStatus({ orderId: ' ', status: 'SHIPPED' }, { id: 'bad-o', issuedAt: t + 4 }))), reason: /SetOrderStatus\.order_id must be a non-empty string/ },
      { key: 'bad-newer', value: framed(3, newerInvalid), reason: /Reserve\.sku must be a non-empty string, got ""/ },
    ];
    const records = [
      { key: 'sku-x', value: framed(1, encodeCommand(stocked)) },
      bad[0],
      { key: 'o-1', value: framed(2, older) },
      bad[1],
      { key: 'sku-x', value: framed(3, newer) },
      ...bad.slice(2),
      { key: 'sku-x', value: framed(1, encodeCommand(released)) },
    ];
    await f.admin.produce(f.topic, records);

    const run = parallelCommandGraph({ kafka: f.kafka, topic: f.topic, groupId: f.groupId, client: f.client, keyspace: f.keyspace, domain: confluent, parallelism: 4, consumer: { commitIntervalMs: 200 } }).run();
    await f.admin.untilCommitted(f.groupId, f.topic, { timeoutMs: 60_000, failed: run.done });
    await run.stop();

    const parked = await f.deadLetters(bad.length);
    expect(parked.map((r) => r.key).sort()).toEqual(bad.map((b) => b.key).sort());
    for (const b of bad) {
      const r = parked.find((p) => p.key === b.key);
      expect(r?.headers.get(DEAD_LETTER_HEADERS.error)).toMatch(b.reason);
      expect(r?.headers.get(DEAD_LETTER_HEADERS.errorClass)).toBe('BadInputError');
      expect(r?.headers.get(DEAD_LETTER_HEADERS.sourceTopic)).toBe(f.topic);
      expect(r?.value.equals(b.value)).toBe(true);
    }

    // Applied: the restock, the older schema's status (attributes from the reader's default), the newer schema's reservation, the release.
    expect(await stockOf(f.client, f.keyspace, 'sku-x')).toBe(10 - 4 + 1);
    expect(await orderStatusOf(f.client, f.keyspace, 'o-1')).toEqual({ status: 'PAID', attributes: {} });
    for (const id of ['good-restock', 'older-status', 'newer-reserve', 'good-release']) expect(await journalCounts(f.client, f.keyspace, id)).toEqual({ applied: 1, logged: 1 });
    for (const id of ['bad-q', 'bad-o', 'newer-bad']) expect(await journalCounts(f.client, f.keyspace, id)).toEqual({ applied: 0, logged: 0 });
    // The events by aggregate, in event time: the reservation is logged on the SKU and on the order.
    const historyOf = async (aggregate: string): Promise<string[]> => {
      const result = await f.client.execute(`SELECT event_id, action, parent FROM ${f.keyspace}.${EVENT_LOG_BY_AGGREGATE_TABLE} WHERE aggregate_id = ?`, [aggregate], { prepare: true });
      return result.rows.map((r) => `${String(r.get('event_id'))} ${String(r.get('action'))} (parent ${String(r.get('parent'))})`);
    };
    expect(await historyOf('sku-x')).toEqual([
      'good-restock item-restocked (parent good-restock)',
      'newer-reserve item-reserved (parent newer-reserve)',
      'good-release item-released (parent good-release)',
    ]);
    expect(await historyOf('o-1')).toEqual(['older-status order-status-set (parent older-status)', 'newer-reserve:1 order-line-reserved (parent newer-reserve)']);
  });
});
