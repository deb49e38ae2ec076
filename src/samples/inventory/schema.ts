/**
 * The Avro schema of the inventory sample's commands: the text of schemas/inventory.avsc
 * as a TypeScript constant (a unit test keeps the two equal; nothing is read from disk),
 * and the avsc type the domain decodes with.
 *
 * How avsc 5.7 decodes it (pinned by test/samples/inventory/decoding.test.ts):
 * - the record and its payload records decode to instances of classes avsc generates
 *   (named `InventoryCommand`, `Reserve`...), with exactly the schema's fields as own
 *   properties;
 * - `payload`, a union of records, decodes WRAPPED: `{ 'dendrites.inventory.Reserve': {...} }`,
 *   one key, the branch's full name. `wrapUnions: 'auto'` (the default) wraps it too,
 *   since all branches are records (an ambiguous union), and `wrapUnions: false` refuses
 *   the schema ("ambiguous unwrapped union"). We keep the wrapping and ask for it
 *   explicitly (`'always'`): the key is the action's discriminant, checked by `parse`;
 * - `issued_at` (`timestamp-millis`) decodes as a number of ms: no logical-type
 *   implementation is registered, so the underlying `long` is what comes out (a `Date`
 *   would need `logicalTypes`, and would not survive the journal's JSON);
 * - the enums `Warehouse` and `OrderStatus` decode as their symbols (strings);
 * - the map `attributes` decodes as a plain object (prototype `Object.prototype`).
 */
import avro from 'avsc';

/** The full names of the payload's branches: the key of a decoded (wrapped) payload. */
export const BRANCHES = {
  /** The `Restock` record. */
  restock: 'dendrites.inventory.Restock',
  /** The `Reserve` record. */
  reserve: 'dendrites.inventory.Reserve',
  /** The `Release` record. */
  release: 'dendrites.inventory.Release',
  /** The `SetOrderStatus` record. */
  setOrderStatus: 'dendrites.inventory.SetOrderStatus',
} as const;

/** The symbols of the `Warehouse` enum. */
export const WAREHOUSES = ['NORTH', 'SOUTH', 'EAST'] as const;

/** The symbols of the `OrderStatus` enum. */
export const ORDER_STATUSES = ['PLACED', 'PAID', 'SHIPPED', 'CANCELLED'] as const;

/** schemas/inventory.avsc, as a constant. */
export const inventorySchema: avro.Schema = {
  type: 'record',
  name: 'InventoryCommand',
  namespace: 'dendrites.inventory',
  doc: 'A command of the inventory sample domain. `payload` is one record per action: Restock, Reserve, Release (stock movements of one SKU) or SetOrderStatus (an order\'s status and attributes). Quantities are positive whole units.',
  fields: [
    { name: 'id', type: 'string', doc: 'Unique command id; redeliveries keep it.' },
    { name: 'issued_at', type: { type: 'long', logicalType: 'timestamp-millis' }, doc: 'When the command was issued, ms since the epoch.' },
    {
      name: 'payload',
      doc: 'What the command does: one branch per action.',
      type: [
        {
          type: 'record',
          name: 'Restock',
          doc: 'Adds `quantity` units of `sku`, received in `warehouse`.',
          fields: [
            { name: 'sku', type: 'string' },
            { name: 'quantity', type: 'int' },
            { name: 'warehouse', type: { type: 'enum', name: 'Warehouse', symbols: [...WAREHOUSES] } },
          ],
        },
        {
          type: 'record',
          name: 'Reserve',
          doc: 'Takes `quantity` units of `sku` out of stock for the order `order_id`.',
          fields: [
            { name: 'sku', type: 'string' },
            { name: 'quantity', type: 'int' },
            { name: 'order_id', type: 'string' },
          ],
        },
        {
          type: 'record',
          name: 'Release',
          doc: 'Puts `quantity` units of `sku` reserved for `order_id` back into stock.',
          fields: [
            { name: 'sku', type: 'string' },
            { name: 'quantity', type: 'int' },
            { name: 'order_id', type: 'string' },
          ],
        },
        {
          type: 'record',
          name: 'SetOrderStatus',
          doc: 'Sets the status of the order `order_id`, with free-form attributes (e.g. a carrier).',
          fields: [
            { name: 'order_id', type: 'string' },
            { name: 'status', type: { type: 'enum', name: 'OrderStatus', symbols: [...ORDER_STATUSES] } },
            { name: 'attributes', type: { type: 'map', values: 'string' }, default: {} },
          ],
        },
      ],
    },
  ],
};

/**
 * The decode options, chosen on purpose (see the module comment): unions wrapped (the
 * branch name says the action), no logical types (timestamps stay numbers of ms).
 */
export const INVENTORY_AVRO_OPTIONS = {
  /** A union decodes as `{ '<full name of the branch>': value }`. */
  wrapUnions: 'always',
} as const;

/** The avsc type of an inventory command: the domain's reader schema and the producers' writer schema. */
export const inventoryType: avro.Type = avro.Type.forSchema(inventorySchema, INVENTORY_AVRO_OPTIONS);
