// The demo scenario: deterministic, consistent (no reservation beyond the stock), every
// good record parses back to its command, every bad record is refused, and the check
// counts what differs.
import { describe, expect, it } from 'vitest';
import type { KafkaRecord } from 'dendrites/kafka';
import type { CqlClient, CqlResult } from 'dendrites/cassandra';
import { demo, domain, type InventoryCommand, inventoryEvents, inventoryType, onceOnlyStock, reserve, restock, scenarioCommands, SKU_COUNT, INITIAL_STOCK, setOrderStatus, release } from 'dendrites/samples/inventory';

const record = { topic: 't', partition: 0, offset: '0' } as unknown as KafkaRecord;
const parseRecord = (value: Buffer): InventoryCommand => domain.parse(inventoryType.fromBuffer(value), undefined, record);

describe('scenarioCommands', () => {
  it('is the same for a seed and differs for another', () => {
    expect(scenarioCommands({ commands: 200, seed: 7 })).toEqual(scenarioCommands({ commands: 200, seed: 7 }));
    expect(scenarioCommands({ commands: 200, seed: 8 }).commands).not.toEqual(scenarioCommands({ commands: 200, seed: 7 }).commands);
  });

  it('stocks every SKU in setup, then mixes every action, in increasing issue times and unique ids', () => {
    const s = scenarioCommands({ commands: 500 });
    expect(s.setup).toHaveLength(SKU_COUNT);
    expect(s.setup.every((c) => c.action === 'restock' && c.quantity === INITIAL_STOCK)).toBe(true);
    expect(s.commands).toHaveLength(500);
    const actions = new Set(s.commands.map((c) => c.action));
    expect([...actions].sort()).toEqual(['release', 'reserve', 'restock', 'set-order-status']);
    const all = [...s.setup, ...s.commands, ...s.rejected];
    expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
    expect(all.every((c, i) => i === 0 || c.issuedAt > all[i - 1].issuedAt)).toBe(true);
  });

  it('never reserves beyond the stock: every once-only stock stays ≥ 0 along the way', () => {
    const s = scenarioCommands({ commands: 2000, seed: 3 });
    const all = [...s.setup, ...s.commands];
    for (let i = s.setup.length; i <= all.length; i += 100) {
      for (const q of onceOnlyStock(all.slice(0, i)).values()) expect(q).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('demo.scenario', () => {
  it('encodes every command so that the domain parses it back', () => {
    const s = scenarioCommands({ commands: 300, seed: 5 });
    const encoded = demo.scenario({ commands: 300, seed: 5 });
    expect(encoded.setup.map((r) => parseRecord(r.value))).toEqual(s.setup);
    expect(encoded.commands.map((r) => parseRecord(r.value))).toEqual(s.commands);
    expect(encoded.commands.map((r) => r.key)).toEqual(s.commands.map((c) => (c.action === 'set-order-status' ? c.orderId : c.sku)));
  });

  it('has bad records that are all refused, for their reason', () => {
    const reasons = demo.scenario({ commands: 10 }).bad.map((r) => {
      try {
        parseRecord(r.value);
        return 'accepted';
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(reasons).toEqual([
      expect.stringMatching(/Reserve\.quantity must be a positive whole number .* got -3/),
      expect.stringMatching(/Restock\.sku must be a non-empty string/),
      expect.stringMatching(/SetOrderStatus\.order_id must be a non-empty string/),
      expect.stringMatching(/truncated buffer/),
    ]);
  });

  it('checks every SKU and order against the once-only state and counts what differs', async () => {
    const s = scenarioCommands({ commands: 100 });
    const expected = onceOnlyStock([...s.setup, ...s.commands]);
    const wrongSku = [...expected.keys()][0];
    // A client that answers with the once-only stock (one off for one SKU) and no order statuses.
    const client: CqlClient = {
      execute: (query, params) => {
        const sku = String(params[0]);
        const rows = query.includes('inventory_movements') ? [{ get: () => (expected.get(sku) ?? 0) + (sku === wrongSku ? 1 : 0) }] : [];
        return Promise.resolve({ rows, pageState: null, wasApplied: () => true } as unknown as CqlResult);
      },
      batch: () => Promise.reject(new Error('no batch')),
    };
    const orders = new Set(s.commands.flatMap((c) => (c.action === 'set-order-status' ? [c.orderId] : []))).size;
    expect(orders).toBeGreaterThan(0);
    expect(await demo.scenario({ commands: 100 }).check(client, 'ks')).toEqual({ checked: expected.size + orders, wrong: 1 + orders, unit: 'SKUs and orders' });
  });
});

describe('events', () => {
  const delivery = (command: InventoryCommand) => ({ command, commandId: command.id, delivery: { id: 'd', kafkaTimestamp: 5, topic: 't', partition: 0, offset: '1' } });
  const meta = { id: 'c', issuedAt: 1234 };

  it('log stock commands on the SKU, a reservation also on the order, a status on the order', () => {
    expect(inventoryEvents(delivery(restock({ sku: 's', quantity: 2, warehouse: 'EAST' }, meta)))).toEqual([
      { action: 'item-restocked', aggregateId: 's', data: { sku: 's', quantity: 2, warehouse: 'EAST' }, timestamp: 1234 },
    ]);
    expect(inventoryEvents(delivery(reserve({ sku: 's', quantity: 2, orderId: 'o' }, meta)))).toEqual([
      { action: 'item-reserved', aggregateId: 's', data: { sku: 's', quantity: 2, orderId: 'o' }, timestamp: 1234 },
      { action: 'order-line-reserved', aggregateId: 'o', data: { orderId: 'o', sku: 's', quantity: 2 }, timestamp: 1234 },
    ]);
    expect(inventoryEvents(delivery(release({ sku: 's', quantity: 1, orderId: 'o' }, meta))).map((e) => [e.action, e.aggregateId])).toEqual([['item-released', 's']]);
    expect(inventoryEvents(delivery(setOrderStatus({ orderId: 'o', status: 'CANCELLED', attributes: { why: 'late' } }, meta)))).toEqual([
      { action: 'order-status-set', aggregateId: 'o', data: { orderId: 'o', status: 'CANCELLED', attributes: { why: 'late' } }, timestamp: 1234 },
    ]);
    expect(domain.events).toBe(inventoryEvents);
  });
});
