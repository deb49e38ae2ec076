// The inventory's tables in memory: runs the CQL statements the domain returns (its two
// INSERTs only), so the unit tests exercise `domain.apply` and `domain.compensate` as the
// graph and the job call them.
import type { CqlStatement } from 'dendrites/cqrs';
import type { OrderState, OrderStatus } from 'dendrites/samples/inventory';

/** The two tables, keyed as in Cassandra: an INSERT of an existing key overwrites it. */
export class MemoryStore {
  /** sku → movement id → quantity. */
  readonly movements = new Map<string, Map<string, number>>();
  /** order id → state and the write timestamp (µs) that last set it. */
  readonly orders = new Map<string, { state: OrderState; timestamp: number }>();

  run(statements: readonly CqlStatement[]): void {
    for (const { query, params } of statements) {
      if (/^INSERT INTO \w+\.inventory_movements \(sku, movement_id, quantity, command_id\) VALUES/.test(query)) {
        const [sku, movementId, quantity] = params as [string, string, number];
        const rows = this.movements.get(sku) ?? new Map<string, number>();
        rows.set(movementId, quantity);
        this.movements.set(sku, rows);
      } else if (/^INSERT INTO \w+\.order_status \(order_id, status, attributes, command_id, issued_at\) VALUES .* USING TIMESTAMP \?$/.test(query)) {
        const [orderId, status, attributes, , , timestamp] = params as [string, OrderStatus, Record<string, string>, string, Date, string];
        const previous = this.orders.get(orderId);
        // Last write wins by cell timestamp, as in Cassandra.
        if (previous === undefined || Number(timestamp) >= previous.timestamp) this.orders.set(orderId, { state: { status, attributes }, timestamp: Number(timestamp) });
      } else {
        throw new Error(`MemoryStore: unexpected statement ${query}`);
      }
    }
  }

  /** A SKU's stock: the sum of its movements. */
  stock(sku: string): number {
    let sum = 0;
    for (const q of this.movements.get(sku)?.values() ?? []) sum += q;
    return sum;
  }
}
