/**
 * The inventory sample's demo scenario: `SKU_COUNT` SKUs stocked in setup, then a
 * deterministic (seeded) mix of reservations, releases, order statuses and restocks, a
 * few records that must be dead-lettered, and the check of Cassandra's state against
 * every unique command applied once.
 */
import type { CqlClient } from 'dendrites/cassandra';
import type { DemoSample, DemoScenario, ProducedRecord, StateCheck } from 'dendrites/cqrs';
import { encodeCommand, type InventoryCommand, keyOf, type OrderStatus, release, reserve, restock, setOrderStatus, type Warehouse } from './commands.js';
import { domain } from './domain.js';
import { lastOrderStates, onceOnlyStock, type OrderState } from './model.js';
import { ORDER_STATUSES, WAREHOUSES } from './schema.js';
import { createInventoryTables, orderStatusOf, stocksOf } from './tables.js';

/** SKUs the setup stocks. */
export const SKU_COUNT = 50;
/** Units of each SKU the setup stocks. */
export const INITIAL_STOCK = 100;
/** The issue time of the first setup command (later ones are 1 ms apart, in order). */
export const SCENARIO_START = Date.UTC(2025, 0, 1);

/** The commands of one scenario, before encoding. */
export interface ScenarioCommands {
  /** The SKUs of the scenario (`SKU_COUNT` of them). */
  readonly skus: readonly string[];
  /** One restock per SKU. */
  readonly setup: readonly InventoryCommand[];
  /** `commands` commands: reservations, releases, order statuses and restocks. */
  readonly commands: readonly InventoryCommand[];
  /** Commands `parse` rejects (a negative quantity, an empty SKU, an empty order id). */
  readonly rejected: readonly InventoryCommand[];
}

/** A 32-bit LCG: deterministic numbers in [0, 2^24) for a seed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s >>> 8;
  };
}

const ATTRIBUTES: readonly Readonly<Record<string, string>>[] = [{}, { carrier: 'DHL' }, { carrier: 'UPS', tracking: 'Z1234' }, { note: 'gift wrap' }];

/**
 * The scenario's commands for `commands` and `seed` (default 42): the same every time.
 * A reservation never takes more than the SKU's stock, a release never returns more than
 * its order reserved of the SKU; stock commands are keyed by SKU, statuses by order.
 */
export function scenarioCommands(options: { readonly commands: number; readonly seed?: number }): ScenarioCommands {
  const seed = options.seed ?? 42;
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[next() % list.length];
  const skus = Array.from({ length: SKU_COUNT }, (_, i) => `sku-${String(i).padStart(4, '0')}`);
  const orders = Array.from({ length: Math.max(1, Math.ceil(options.commands / 5)) }, (_, i) => `order-${seed}-${String(i).padStart(5, '0')}`);
  let clock = SCENARIO_START;
  const meta = (id: string): { id: string; issuedAt: number } => ({ id: `inv-${seed}-${id}`, issuedAt: clock++ });
  const stock = new Map(skus.map((sku) => [sku, INITIAL_STOCK]));
  const open: { order: string; sku: string; remaining: number }[] = [];

  const setup = skus.map((sku, i) => restock({ sku, quantity: INITIAL_STOCK, warehouse: WAREHOUSES[i % WAREHOUSES.length] }, meta(`setup-${i}`)));
  const restockOne = (id: string): InventoryCommand => {
    const sku = pick(skus);
    const quantity = 1 + (next() % 50);
    stock.set(sku, (stock.get(sku) ?? 0) + quantity);
    return restock({ sku, quantity, warehouse: pick<Warehouse>(WAREHOUSES) }, meta(id));
  };
  const reserveOne = (id: string): InventoryCommand => {
    const sku = pick(skus);
    const available = stock.get(sku) ?? 0;
    if (available < 1) return restockOne(id);
    const quantity = 1 + (next() % Math.min(10, available));
    const orderId = pick(orders);
    stock.set(sku, available - quantity);
    open.push({ order: orderId, sku, remaining: quantity });
    return reserve({ sku, quantity, orderId }, meta(id));
  };
  const releaseOne = (id: string): InventoryCommand => {
    if (open.length === 0) return reserveOne(id);
    const at = next() % open.length;
    const line = open[at];
    const quantity = 1 + (next() % line.remaining);
    line.remaining -= quantity;
    if (line.remaining === 0) open.splice(at, 1);
    stock.set(line.sku, (stock.get(line.sku) ?? 0) + quantity);
    return release({ sku: line.sku, quantity, orderId: line.order }, meta(id));
  };
  const statusOne = (id: string): InventoryCommand =>
    setOrderStatus({ orderId: pick(orders), status: pick<OrderStatus>(ORDER_STATUSES), attributes: pick(ATTRIBUTES) }, meta(id));

  const commands = Array.from({ length: options.commands }, (_, i) => {
    const id = `cmd-${String(i).padStart(6, '0')}`;
    const r = next() % 100;
    if (r < 40) return reserveOne(id);
    if (r < 60) return releaseOne(id);
    if (r < 85) return statusOne(id);
    return restockOne(id);
  });
  const rejected = [
    reserve({ sku: skus[0], quantity: -3, orderId: orders[0] }, meta('bad-negative-quantity')),
    restock({ sku: '', quantity: 5, warehouse: 'NORTH' }, meta('bad-empty-sku')),
    setOrderStatus({ orderId: '', status: 'PAID' }, meta('bad-empty-order')),
  ];
  return { skus, setup, commands, rejected };
}

/** Bytes that are not Avro of the inventory schema (a string length running past the end). */
export const UNDECODABLE = Buffer.from('this is not Avro', 'utf8');

const record = (command: InventoryCommand): ProducedRecord => ({ key: keyOf(command), value: encodeCommand(command) });

/** Whether two order states are equal (status and every attribute). */
function sameState(a: OrderState | undefined, b: OrderState): boolean {
  if (a === undefined || a.status !== b.status) return false;
  const ka = Object.keys(a.attributes).sort();
  const kb = Object.keys(b.attributes).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a.attributes[k] === b.attributes[k]);
}

/** Compares the stock of every SKU and the state of every order with the unique `commands` applied once. */
export async function checkInventory(client: CqlClient, keyspace: string, commands: readonly InventoryCommand[]): Promise<StateCheck> {
  const stock = onceOnlyStock(commands);
  const actual = await stocksOf(client, keyspace, stock.keys());
  let wrong = [...stock].filter(([sku, expected]) => actual.get(sku) !== expected).length;
  const orders = lastOrderStates(commands);
  for (const [orderId, expected] of orders) {
    if (!sameState(await orderStatusOf(client, keyspace, orderId), expected)) wrong++;
  }
  return { checked: stock.size + orders.size, wrong, unit: 'SKUs and orders' };
}

/** The scenario of `scenarioCommands`, encoded: setup, commands, the bad records (rejected commands and undecodable bytes), the check. */
export function inventoryScenario(options: { readonly commands: number; readonly seed?: number }): DemoScenario {
  const s = scenarioCommands(options);
  const all = [...s.setup, ...s.commands];
  return {
    setup: s.setup.map(record),
    commands: s.commands.map(record),
    bad: [...s.rejected.map(record), { key: s.skus[0], value: UNDECODABLE }],
    check: (client, keyspace) => checkInventory(client, keyspace, all),
  };
}

/** What `dendrites demo --domain inventory` runs. */
export const demo: DemoSample<InventoryCommand, undefined> = {
  domain,
  createTables: createInventoryTables,
  scenario: inventoryScenario,
};
