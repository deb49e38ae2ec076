/**
 * The inventory domain, written against the public API only (`dendrites`): what the
 * command graphs and the compensation job need to know of inventory commands.
 *
 * - decode: Avro, the reader schema `inventoryType` (schemas/inventory.avsc, unions
 *   wrapped, timestamps as ms numbers: see schema.ts). Values written with another
 *   version of the schema resolve into it when the graph is told the writer schema(s):
 *   `{ ...domain, decode: { avro: inventoryType, framing: 'confluent', schemas: {...} } }`.
 * - parse: `parseInventoryCommand` (bad input → the dead letter, with the reason).
 * - apply: a stock command writes one movement per delivery; a status command upserts
 *   its order's row (idempotent).
 * - events: restock → `item-restocked`, reserve → `item-reserved` (aggregate: the SKU)
 *   and `order-line-reserved` (aggregate: the order), release → `item-released`,
 *   set-order-status → `order-status-set` (aggregate: the order). Event time: `issuedAt`.
 * - compensate: one movement `comp:<command id>` holding −(movement × count); nothing for
 *   a status command.
 * - No per-run state, and the journal keeps the default JSON form (commands are plain data).
 */
import { type CommandDelivery, type DomainEvent, defineDomain } from 'dendrites/cqrs';
import type { InventoryCommand } from './commands.js';
import { compensationMovement, deliveryMovement } from './model.js';
import { parseInventoryCommand } from './parse.js';
import { inventoryType } from './schema.js';
import { movementUpsert, orderStatusUpsert } from './tables.js';

/** The events one delivery of a command is logged as. */
export function inventoryEvents({ command: c }: CommandDelivery<InventoryCommand>): DomainEvent[] {
  const timestamp = c.issuedAt;
  switch (c.action) {
    case 'restock':
      return [{ action: 'item-restocked', aggregateId: c.sku, data: { sku: c.sku, quantity: c.quantity, warehouse: c.warehouse }, timestamp }];
    case 'reserve':
      return [
        { action: 'item-reserved', aggregateId: c.sku, data: { sku: c.sku, quantity: c.quantity, orderId: c.orderId }, timestamp },
        { action: 'order-line-reserved', aggregateId: c.orderId, data: { orderId: c.orderId, sku: c.sku, quantity: c.quantity }, timestamp },
      ];
    case 'release':
      return [{ action: 'item-released', aggregateId: c.sku, data: { sku: c.sku, quantity: c.quantity, orderId: c.orderId }, timestamp }];
    case 'set-order-status':
      return [{ action: 'order-status-set', aggregateId: c.orderId, data: { orderId: c.orderId, status: c.status, attributes: c.attributes }, timestamp }];
  }
}

/** The inventory domain (see the module comment). */
export const domain = defineDomain<InventoryCommand>({
  name: 'inventory',
  decode: { avro: inventoryType },
  parse: (value) => parseInventoryCommand(value),
  commandId: (command) => command.id,
  apply({ command, commandId, delivery }, { keyspace }) {
    if (command.action === 'set-order-status') return [orderStatusUpsert(keyspace, command)];
    const movement = deliveryMovement(command, delivery.id);
    return movement === undefined ? [] : [movementUpsert(keyspace, movement, commandId)];
  },
  events: inventoryEvents,
  compensate(command, count, { keyspace }) {
    const movement = compensationMovement(command, count);
    return movement === undefined ? [] : [movementUpsert(keyspace, movement, command.id)];
  },
});
