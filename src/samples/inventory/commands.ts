/**
 * The inventory sample's commands as TypeScript (what `parse` returns and the domain
 * works on), builders for them, and their Avro encoding (schemas/inventory.avsc).
 *
 * A command is plain data (strings, numbers, a plain object of strings), so the journal's
 * default JSON form stores it losslessly: the domain needs no `encode`/`decodeStored`.
 */
import { randomUUID } from 'node:crypto';
import { BRANCHES, inventoryType, type ORDER_STATUSES, type WAREHOUSES } from './schema.js';

/** A warehouse (the `Warehouse` enum). */
export type Warehouse = (typeof WAREHOUSES)[number];

/** An order's status (the `OrderStatus` enum). */
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** What every command has. */
interface CommandBase {
  /** Unique; the same on every redelivery. */
  readonly id: string;
  /** When it was issued, ms since the epoch. */
  readonly issuedAt: number;
}

/** Adds `quantity` units of `sku` to the stock. */
export interface Restock extends CommandBase {
  /** The command's kind. */
  readonly action: 'restock';
  /** The stock-keeping unit. */
  readonly sku: string;
  /** Units added (positive). */
  readonly quantity: number;
  /** Where the units arrive. */
  readonly warehouse: Warehouse;
}

/** Takes `quantity` units of `sku` out of the stock for an order. */
export interface Reserve extends CommandBase {
  /** The command's kind. */
  readonly action: 'reserve';
  /** The stock-keeping unit. */
  readonly sku: string;
  /** Units taken (positive). */
  readonly quantity: number;
  /** The order they are reserved for. */
  readonly orderId: string;
}

/** Puts `quantity` units of `sku` reserved for an order back into the stock. */
export interface Release extends CommandBase {
  /** The command's kind. */
  readonly action: 'release';
  /** The stock-keeping unit. */
  readonly sku: string;
  /** Units put back (positive). */
  readonly quantity: number;
  /** The order they were reserved for. */
  readonly orderId: string;
}

/** Sets an order's status and attributes (the whole map: it replaces the previous one). */
export interface SetOrderStatus extends CommandBase {
  /** The command's kind. */
  readonly action: 'set-order-status';
  /** The order. */
  readonly orderId: string;
  /** Its new status. */
  readonly status: OrderStatus;
  /** Its attributes (an Avro map): the whole map, replacing the previous one. */
  readonly attributes: Readonly<Record<string, string>>;
}

/** A command of the inventory domain. */
export type InventoryCommand = Restock | Reserve | Release | SetOrderStatus;

/** A command that moves stock (one movement per delivery). */
export type StockCommand = Restock | Reserve | Release;

/** The `action` of each kind of command. */
export type InventoryAction = InventoryCommand['action'];

/** Optional id and issue time of a built command. */
export interface CommandMeta {
  /** Default: a random UUID. */
  readonly id?: string;
  /** Default: now. */
  readonly issuedAt?: number;
}

const base = (meta: CommandMeta): CommandBase => ({ id: meta.id ?? randomUUID(), issuedAt: meta.issuedAt ?? Date.now() });

/** A restock command. */
export function restock(data: { readonly sku: string; readonly quantity: number; readonly warehouse: Warehouse }, meta: CommandMeta = {}): Restock {
  return { ...base(meta), action: 'restock', sku: data.sku, quantity: data.quantity, warehouse: data.warehouse };
}

/** A reserve command. */
export function reserve(data: { readonly sku: string; readonly quantity: number; readonly orderId: string }, meta: CommandMeta = {}): Reserve {
  return { ...base(meta), action: 'reserve', sku: data.sku, quantity: data.quantity, orderId: data.orderId };
}

/** A release command. */
export function release(data: { readonly sku: string; readonly quantity: number; readonly orderId: string }, meta: CommandMeta = {}): Release {
  return { ...base(meta), action: 'release', sku: data.sku, quantity: data.quantity, orderId: data.orderId };
}

/** A set-order-status command (attributes default to none). */
export function setOrderStatus(
  data: { readonly orderId: string; readonly status: OrderStatus; readonly attributes?: Readonly<Record<string, string>> },
  meta: CommandMeta = {},
): SetOrderStatus {
  return { ...base(meta), action: 'set-order-status', orderId: data.orderId, status: data.status, attributes: { ...data.attributes } };
}

/** The command in the Avro schema's shape, its payload wrapped in its branch's full name (what avsc encodes). */
export function toAvro(command: InventoryCommand): Record<string, unknown> {
  const head = { id: command.id, issued_at: command.issuedAt };
  switch (command.action) {
    case 'restock':
      return { ...head, payload: { [BRANCHES.restock]: { sku: command.sku, quantity: command.quantity, warehouse: command.warehouse } } };
    case 'reserve':
      return { ...head, payload: { [BRANCHES.reserve]: { sku: command.sku, quantity: command.quantity, order_id: command.orderId } } };
    case 'release':
      return { ...head, payload: { [BRANCHES.release]: { sku: command.sku, quantity: command.quantity, order_id: command.orderId } } };
    case 'set-order-status':
      return { ...head, payload: { [BRANCHES.setOrderStatus]: { order_id: command.orderId, status: command.status, attributes: { ...command.attributes } } } };
  }
}

/**
 * The command as Avro binary of schemas/inventory.avsc (no framing). It encodes what the
 * schema allows, not what `parse` accepts: a negative quantity encodes (and is then
 * dead-lettered by the consumer), a quantity outside Avro `int` throws here.
 */
export function encodeCommand(command: InventoryCommand): Buffer {
  return inventoryType.toBuffer(toAvro(command));
}

/** The Kafka key of a command: its SKU, or its order for a status (so one aggregate's commands stay in order). */
export function keyOf(command: InventoryCommand): string {
  return command.action === 'set-order-status' ? command.orderId : command.sku;
}
