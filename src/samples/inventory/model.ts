/**
 * The inventory's arithmetic, without Cassandra: what one delivery of a command moves,
 * the correction of duplicate deliveries, and the state every unique command applied
 * once gives (what the checks compare Cassandra with).
 *
 * Stock of a SKU = the sum of its movements. One delivery of a restock, reserve or
 * release adds ONE movement, `<command id>:<delivery id>`: a duplicate delivery adds a
 * second one (the effect the compensation job undoes). The correction of `count` extra
 * deliveries is one movement `comp:<command id>` holding −(movement × count): a key that
 * depends on the command only, so rewriting it is harmless and a later, larger count
 * overwrites it. A duplicate reservation is released by it.
 *
 * An order's status is one row per order, written whole: a duplicate delivery rewrites
 * the same values (idempotent, nothing to correct). Of several status commands, the one
 * issued last wins (see tables.ts: the write carries `issuedAt` as its timestamp).
 */
import type { InventoryCommand, OrderStatus, StockCommand } from './commands.js';

/** One row of `inventory_movements`. */
export interface Movement {
  /** The SKU whose stock it moves. */
  readonly sku: string;
  /** `<command id>:<delivery id>` for a delivery, `comp:<command id>` for a correction. */
  readonly movementId: string;
  /** Signed: + into the stock, − out of it. */
  readonly quantity: number;
}

/** Whether the command moves stock (restock, reserve, release) rather than setting an order's status. */
export function isStockCommand(command: InventoryCommand): command is StockCommand {
  return command.action !== 'set-order-status';
}

/** What one delivery of a stock command adds to its SKU's stock: +q for a restock or a release, −q for a reservation. */
export function signedQuantity(command: StockCommand): number {
  return command.action === 'reserve' ? -command.quantity : command.quantity;
}

/** The movement id of one delivery: `<command id>:<delivery id>`. */
export function movementId(commandId: string, deliveryId: string): string {
  return `${commandId}:${deliveryId}`;
}

/** The movement id of a command's correction: `comp:<command id>`. */
export function compensationId(commandId: string): string {
  return `comp:${commandId}`;
}

/** The movement one delivery of `command` writes, or undefined for a status command. */
export function deliveryMovement(command: InventoryCommand, deliveryId: string): Movement | undefined {
  if (!isStockCommand(command)) return undefined;
  return { sku: command.sku, movementId: movementId(command.id, deliveryId), quantity: signedQuantity(command) };
}

/**
 * The WHOLE correction of `count` extra deliveries of `command` (count ≥ 0): one movement
 * of −(per-delivery movement × count); undefined for a status command (idempotent).
 */
export function compensationMovement(command: InventoryCommand, count: number): Movement | undefined {
  if (!isStockCommand(command)) return undefined;
  // `0 - x`, not `-x`: a count of 0 gives 0, not −0.
  return { sku: command.sku, movementId: compensationId(command.id), quantity: 0 - signedQuantity(command) * count };
}

/** The unique commands of `commands` by id, the first of each id kept, in order. */
export function uniqueCommands(commands: Iterable<InventoryCommand>): InventoryCommand[] {
  const seen = new Set<string>();
  const out: InventoryCommand[] = [];
  for (const c of commands) {
    if (seen.has(c.id)) continue;
    seen.add(c.id);
    out.push(c);
  }
  return out;
}

/** Every SKU's stock with each unique command (by id) applied exactly once. */
export function onceOnlyStock(commands: Iterable<InventoryCommand>): Map<string, number> {
  const stock = new Map<string, number>();
  for (const c of uniqueCommands(commands)) {
    if (isStockCommand(c)) stock.set(c.sku, (stock.get(c.sku) ?? 0) + signedQuantity(c));
  }
  return stock;
}

/** An order's status as stored. */
export interface OrderState {
  /** The order's status. */
  readonly status: OrderStatus;
  /** Its attributes. */
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * Every order's state after the unique status commands: the one issued last wins (of
 * two issued in the same millisecond, the later in `commands`; the scenario never has such a tie).
 */
export function lastOrderStates(commands: Iterable<InventoryCommand>): Map<string, OrderState> {
  const last = new Map<string, { readonly issuedAt: number; readonly state: OrderState }>();
  for (const c of uniqueCommands(commands)) {
    if (c.action !== 'set-order-status') continue;
    const previous = last.get(c.orderId);
    if (previous === undefined || c.issuedAt >= previous.issuedAt) last.set(c.orderId, { issuedAt: c.issuedAt, state: { status: c.status, attributes: c.attributes } });
  }
  return new Map([...last].map(([order, { state }]) => [order, state]));
}
