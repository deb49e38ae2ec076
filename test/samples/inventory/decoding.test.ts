// How avsc 5.7 decodes schemas/inventory.avsc, pinned: the wrapped union of records, the
// enums, the timestamp-millis logical type and the map. The domain's parse relies on it.
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { inventorySchema, inventoryType, UNDECODABLE } from 'dendrites/samples/inventory';

const ISSUED = Date.UTC(2025, 5, 1, 12, 0, 0);
const statusValue = { id: 'c1', issued_at: ISSUED, payload: { 'dendrites.inventory.SetOrderStatus': { order_id: 'o1', status: 'PAID', attributes: { carrier: 'DHL' } } } };
const reserveValue = { id: 'c2', issued_at: ISSUED, payload: { 'dendrites.inventory.Reserve': { sku: 's1', quantity: 3, order_id: 'o1' } } };

/** A timestamp-millis implementation: what the domain deliberately does NOT register. */
class DateType extends avro.types.LogicalType {
  protected override _fromValue(value: unknown): Date {
    return new Date(Number(value));
  }
  protected override _toValue(value: unknown): unknown {
    return value instanceof Date ? value.getTime() : value;
  }
  protected override _resolve(type: avro.Type): unknown {
    return avro.Type.isType(type, 'long', 'logical:timestamp-millis') ? this._fromValue.bind(this) : undefined;
  }
}

function roundTrip(type: avro.Type, value: unknown): Record<string, unknown> {
  return type.fromBuffer(type.toBuffer(value)) as Record<string, unknown>;
}

describe('avsc decoding of the inventory schema', () => {
  it('wraps the union of records with the default options: one key, the branch full name', () => {
    const decoded = roundTrip(avro.Type.forSchema(inventorySchema), reserveValue);
    const payload = decoded.payload as Record<string, Record<string, unknown>>;
    expect(Object.keys(payload)).toEqual(['dendrites.inventory.Reserve']);
    expect({ ...payload['dendrites.inventory.Reserve'] }).toEqual({ sku: 's1', quantity: 3, order_id: 'o1' });
    expect(JSON.parse(JSON.stringify(decoded))).toEqual(reserveValue);
  });

  it("wraps it with wrapUnions 'auto' too (all branches are records: ambiguous), and refuses it unwrapped", () => {
    const auto = roundTrip(avro.Type.forSchema(inventorySchema, { wrapUnions: 'auto' }), reserveValue);
    expect(Object.keys(auto.payload as object)).toEqual(['dendrites.inventory.Reserve']);
    expect(() => avro.Type.forSchema(inventorySchema, { wrapUnions: false })).toThrow(/ambiguous unwrapped union/);
    expect(() => avro.Type.forSchema(inventorySchema, { wrapUnions: 'never' })).toThrow(/ambiguous unwrapped union/);
  });

  it("the domain's type (wrapUnions 'always') decodes like the default", () => {
    const ours = roundTrip(inventoryType, statusValue);
    expect(JSON.parse(JSON.stringify(ours))).toEqual(statusValue);
    expect(inventoryType.equals(avro.Type.forSchema(inventorySchema))).toBe(true);
  });

  it('decodes records as instances of classes named after the records, with only the schema fields', () => {
    const decoded = roundTrip(inventoryType, reserveValue);
    expect(decoded.constructor.name).toBe('InventoryCommand');
    expect(Object.keys(decoded)).toEqual(['id', 'issued_at', 'payload']);
    const record = (decoded.payload as Record<string, object>)['dendrites.inventory.Reserve'];
    expect(record.constructor.name).toBe('Reserve');
    expect(Object.keys(record)).toEqual(['sku', 'quantity', 'order_id']);
  });

  it('decodes timestamp-millis as a number of ms (no logical type registered) and will not encode a Date', () => {
    const decoded = roundTrip(inventoryType, reserveValue);
    expect(decoded.issued_at).toBe(ISSUED);
    expect(typeof decoded.issued_at).toBe('number');
    expect(() => inventoryType.toBuffer({ ...reserveValue, issued_at: new Date(ISSUED) })).toThrow(/invalid "long"/);
  });

  it('decodes timestamp-millis as a Date only when an implementation is registered', () => {
    const withDates = avro.Type.forSchema(inventorySchema, { logicalTypes: { 'timestamp-millis': DateType } });
    const decoded = roundTrip(withDates, { ...reserveValue, issued_at: new Date(ISSUED) });
    expect(decoded.issued_at).toBeInstanceOf(Date);
    expect((decoded.issued_at as Date).getTime()).toBe(ISSUED);
  });

  it('decodes enums as their symbols (strings) and refuses to encode an unknown symbol', () => {
    const decoded = roundTrip(inventoryType, statusValue);
    const record = (decoded.payload as Record<string, Record<string, unknown>>)['dendrites.inventory.SetOrderStatus'];
    expect(record.status).toBe('PAID');
    const restock = { ...reserveValue, payload: { 'dendrites.inventory.Restock': { sku: 's', quantity: 1, warehouse: 'WEST' } } };
    expect(inventoryType.isValid(restock)).toBe(false);
  });

  it('decodes the map as a plain object', () => {
    const decoded = roundTrip(inventoryType, statusValue);
    const attributes = (decoded.payload as Record<string, Record<string, unknown>>)['dendrites.inventory.SetOrderStatus'].attributes;
    expect(Object.getPrototypeOf(attributes)).toBe(Object.prototype);
    expect(attributes).toEqual({ carrier: 'DHL' });
  });

  it('cannot decode the undecodable bytes of the scenario', () => {
    expect(() => inventoryType.fromBuffer(UNDECODABLE)).toThrow(/truncated/);
  });

  it('refuses a quantity outside Avro int when encoding', () => {
    const tooBig = { ...reserveValue, payload: { 'dendrites.inventory.Reserve': { sku: 's1', quantity: 2 ** 31, order_id: 'o1' } } };
    expect(() => inventoryType.toBuffer(tooBig)).toThrow();
  });
});
