/**
 * The inventory's tables (schemas/inventory.cql shows them in the keyspace `inventory`;
 * a unit test keeps the two equal), the domain's writes to them, and reads of the state.
 *
 * - `inventory_movements ((sku), movement_id)`: a SKU's stock is the sum of its
 *   movements' quantities (see model.ts for the movement ids).
 * - `order_status ((order_id))`: an order's status and attributes, written whole with
 *   `USING TIMESTAMP <issued_at in µs>`. Writes of one order can reach Cassandra out of
 *   order (a retried write, a redelivery after a crash, writes in flight together); with
 *   the command's issue time as the cell timestamp, the status issued last wins whatever
 *   the order of arrival (and the old attributes are shadowed by the map's replacement).
 */
import { cqlIdentifier, type CqlClient } from 'dendrites/cassandra';
import { type CqlStatement } from 'dendrites/cqrs';
import type { SetOrderStatus } from './commands.js';
import type { Movement, OrderState } from './model.js';

/** The movements table. */
export const MOVEMENTS_TABLE = 'inventory_movements';
/** The order status table. */
export const ORDER_STATUS_TABLE = 'order_status';

/** `keyspace` if it is a plain CQL identifier (it is put in statements); a ConfigError otherwise. */
const identifier = (keyspace: string): string => cqlIdentifier('inventory: keyspace', keyspace);

/** The CREATE TABLE statements of the inventory's tables in `keyspace`. */
export function inventoryTablesCql(keyspace: string): string[] {
  const ks = identifier(keyspace);
  return [
    `CREATE TABLE IF NOT EXISTS ${ks}.${MOVEMENTS_TABLE} (
  sku         text,
  movement_id text,
  quantity    int,
  command_id  text,
  PRIMARY KEY ((sku), movement_id)
)`,
    `CREATE TABLE IF NOT EXISTS ${ks}.${ORDER_STATUS_TABLE} (
  order_id   text PRIMARY KEY,
  status     text,
  attributes map<text, text>,
  command_id text,
  issued_at  timestamp
)`,
  ];
}

/** Creates the inventory's tables in `keyspace` (which must exist); harmless to repeat. */
export async function createInventoryTables(client: CqlClient, keyspace: string): Promise<void> {
  for (const cql of inventoryTablesCql(keyspace)) await client.execute(cql, [], {});
}

/** The upsert of one movement (of a delivery, or a correction). */
export function movementUpsert(keyspace: string, movement: Movement, commandId: string): CqlStatement {
  return {
    query: `INSERT INTO ${identifier(keyspace)}.${MOVEMENTS_TABLE} (sku, movement_id, quantity, command_id) VALUES (?, ?, ?, ?)`,
    params: [movement.sku, movement.movementId, movement.quantity, commandId],
  };
}

/** The upsert of an order's status, timestamped with the command's issue time (µs, as a string, which the driver takes whatever its `bigint` setting). */
export function orderStatusUpsert(keyspace: string, command: SetOrderStatus): CqlStatement {
  return {
    query: `INSERT INTO ${identifier(keyspace)}.${ORDER_STATUS_TABLE} (order_id, status, attributes, command_id, issued_at) VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ?`,
    params: [command.orderId, command.status, { ...command.attributes }, command.id, new Date(command.issuedAt), String(command.issuedAt * 1000)],
  };
}

/** A SKU's stock: the sum of its movements (0 when it has none). */
export async function stockOf(client: CqlClient, keyspace: string, sku: string): Promise<number> {
  const query = `SELECT quantity FROM ${identifier(keyspace)}.${MOVEMENTS_TABLE} WHERE sku = ?`;
  let total = 0;
  let pageState: string | Buffer | undefined;
  do {
    const result = await client.execute(query, [sku], { prepare: true, fetchSize: 5000, ...(pageState === undefined ? {} : { pageState }) });
    for (const row of result.rows) total += Number(row.get('quantity'));
    pageState = result.pageState ?? undefined;
  } while (pageState !== undefined);
  return total;
}

/** The stock of each of `skus`, read 32 SKUs at a time. */
export async function stocksOf(client: CqlClient, keyspace: string, skus: Iterable<string>): Promise<Map<string, number>> {
  const all = [...skus];
  const out = new Map<string, number>();
  for (let i = 0; i < all.length; i += 32) {
    const part = all.slice(i, i + 32);
    const stocks = await Promise.all(part.map((sku) => stockOf(client, keyspace, sku)));
    part.forEach((sku, j) => out.set(sku, stocks[j]));
  }
  return out;
}

/** An order's stored status and attributes (an empty map reads as `{}`), or undefined when it has none. */
export async function orderStatusOf(client: CqlClient, keyspace: string, orderId: string): Promise<OrderState | undefined> {
  const query = `SELECT status, attributes FROM ${identifier(keyspace)}.${ORDER_STATUS_TABLE} WHERE order_id = ?`;
  const [row] = (await client.execute(query, [orderId], { prepare: true })).rows;
  if (row === undefined) return undefined;
  const attributes = row.get('attributes') as Record<string, string> | null;
  return { status: row.get('status') as OrderState['status'], attributes: { ...(attributes ?? {}) } };
}
