/**
 * `parseInventoryCommand`: a decoded value (what avsc gives for schemas/inventory.avsc,
 * see schema.ts, or any plain object of that shape) narrowed to an InventoryCommand, or a
 * BadInputError saying what is wrong. The schema guarantees types; this checks what it
 * cannot: non-empty ids and SKUs, positive quantities, known symbols, and no field the
 * schema does not have.
 */
import { BadInputError } from 'dendrites';
import type { InventoryCommand, OrderStatus, Warehouse } from './commands.js';
import { BRANCHES, ORDER_STATUSES, WAREHOUSES } from './schema.js';

/** The largest quantity a command may carry (Avro `int`). */
export const MAX_QUANTITY = 2_147_483_647;

type Fields = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** `value` as an object with exactly the fields `names` (all present, no other). */
function fields(value: unknown, what: string, names: readonly string[]): Fields {
  if (!isObject(value)) throw new BadInputError(`${what} must be a record, got ${describe(value)}`);
  for (const name of names) if (!(name in value) || value[name] === undefined) throw new BadInputError(`${what}: missing field ${name}`);
  const unknown = Object.keys(value).filter((k) => !names.includes(k));
  if (unknown.length > 0) throw new BadInputError(`${what}: unknown field ${unknown.join(', ')}`);
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? JSON.stringify(value) : typeof value;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new BadInputError(`${what} must be a non-empty string, got ${describe(value)}`);
  return value;
}

function quantity(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > MAX_QUANTITY) {
    throw new BadInputError(`${what} must be a positive whole number up to ${MAX_QUANTITY}, got ${typeof value === 'number' ? value : describe(value)}`);
  }
  return value;
}

function symbol<T extends string>(value: unknown, what: string, symbols: readonly T[]): T {
  const found = symbols.find((s) => s === value);
  if (found === undefined) throw new BadInputError(`${what} must be one of ${symbols.join(', ')}, got ${describe(value)}`);
  return found;
}

function timestamp(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new BadInputError(`issued_at must be ms since the epoch (a whole number ≥ 0), got ${describe(value)}`);
  return value;
}

function attributes(value: unknown, what: string): Record<string, string> {
  if (!isObject(value)) throw new BadInputError(`${what} must be a map of strings, got ${describe(value)}`);
  const entries = Object.entries(value);
  for (const [k, v] of entries) if (typeof v !== 'string') throw new BadInputError(`${what}[${JSON.stringify(k)}] must be a string, got ${describe(v)}`);
  return Object.fromEntries(entries) as Record<string, string>;
}

/** The one branch of a wrapped union: its full name and its record. */
function branch(value: unknown): { readonly name: string; readonly record: unknown } {
  if (!isObject(value)) throw new BadInputError(`payload must be a wrapped union { "<branch name>": record }, got ${describe(value)}`);
  const keys = Object.keys(value);
  if (keys.length !== 1) throw new BadInputError(`payload must have exactly one branch, got ${keys.length === 0 ? 'none' : keys.join(', ')}`);
  return { name: keys[0], record: value[keys[0]] };
}

/** Narrows a decoded command; throws a BadInputError naming the first problem. */
export function parseInventoryCommand(value: unknown): InventoryCommand {
  const c = fields(value, 'InventoryCommand', ['id', 'issued_at', 'payload']);
  const head = { id: text(c.id, 'id'), issuedAt: timestamp(c.issued_at) };
  const { name, record } = branch(c.payload);
  switch (name) {
    case BRANCHES.restock: {
      const p = fields(record, 'Restock', ['sku', 'quantity', 'warehouse']);
      const warehouse: Warehouse = symbol(p.warehouse, 'Restock.warehouse', WAREHOUSES);
      return { ...head, action: 'restock', sku: text(p.sku, 'Restock.sku'), quantity: quantity(p.quantity, 'Restock.quantity'), warehouse };
    }
    case BRANCHES.reserve:
    case BRANCHES.release: {
      const what = name === BRANCHES.reserve ? 'Reserve' : 'Release';
      const p = fields(record, what, ['sku', 'quantity', 'order_id']);
      const line = { sku: text(p.sku, `${what}.sku`), quantity: quantity(p.quantity, `${what}.quantity`), orderId: text(p.order_id, `${what}.order_id`) };
      return name === BRANCHES.reserve ? { ...head, action: 'reserve', ...line } : { ...head, action: 'release', ...line };
    }
    case BRANCHES.setOrderStatus: {
      const p = fields(record, 'SetOrderStatus', ['order_id', 'status', 'attributes']);
      const status: OrderStatus = symbol(p.status, 'SetOrderStatus.status', ORDER_STATUSES);
      return { ...head, action: 'set-order-status', orderId: text(p.order_id, 'SetOrderStatus.order_id'), status, attributes: attributes(p.attributes, 'SetOrderStatus.attributes') };
    }
    default:
      throw new BadInputError(`payload: unknown branch ${JSON.stringify(name)} (expected one of ${Object.values(BRANCHES).join(', ')})`);
  }
}
