/**
 * The inventory sample (`dendrites/samples/inventory`): a second CQRS domain, written
 * only against the public API. Commands on an inventory of SKUs (restock, reserve,
 * release) and on orders (set-order-status), in an Avro schema with a union of records,
 * enums, a `timestamp-millis` and a map (schemas/inventory.avsc). A SKU's stock is a sum
 * of movements, so duplicate deliveries add effects the compensation job undoes; an
 * order's status is an idempotent upsert. `demo` runs it in `dendrites demo`.
 *
 * @module dendrites/samples/inventory
 */
export { domain, inventoryEvents } from './domain.js';
export { demo, inventoryScenario, scenarioCommands, checkInventory, SKU_COUNT, INITIAL_STOCK, SCENARIO_START, UNDECODABLE, type ScenarioCommands } from './scenario.js';
export {
  restock,
  reserve,
  release,
  setOrderStatus,
  encodeCommand,
  toAvro,
  keyOf,
  type InventoryCommand,
  type InventoryAction,
  type StockCommand,
  type Restock,
  type Reserve,
  type Release,
  type SetOrderStatus,
  type Warehouse,
  type OrderStatus,
  type CommandMeta,
} from './commands.js';
export { parseInventoryCommand, MAX_QUANTITY } from './parse.js';
export {
  onceOnlyStock,
  lastOrderStates,
  uniqueCommands,
  deliveryMovement,
  compensationMovement,
  signedQuantity,
  isStockCommand,
  movementId,
  compensationId,
  type Movement,
  type OrderState,
} from './model.js';
export { inventorySchema, inventoryType, INVENTORY_AVRO_OPTIONS, BRANCHES, WAREHOUSES, ORDER_STATUSES } from './schema.js';
export {
  createInventoryTables,
  inventoryTablesCql,
  movementUpsert,
  orderStatusUpsert,
  stockOf,
  stocksOf,
  orderStatusOf,
  MOVEMENTS_TABLE,
  ORDER_STATUS_TABLE,
} from './tables.js';
