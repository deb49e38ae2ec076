// parseInventoryCommand: what it accepts (everything the builders encode, after Avro and
// after schema resolution) and what it rejects, with a reason.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadInputError } from 'dendrites';
import {
  encodeCommand,
  type InventoryCommand,
  inventoryType,
  ORDER_STATUSES,
  parseInventoryCommand,
  release,
  reserve,
  restock,
  setOrderStatus,
  toAvro,
  WAREHOUSES,
} from 'dendrites/samples/inventory';
import { newerType, olderType } from './schema-versions.js';

const meta = { id: 'cmd-1', issuedAt: Date.UTC(2025, 0, 2) };
const decode = (c: InventoryCommand): unknown => inventoryType.fromBuffer(encodeCommand(c));
/** The wire value of a valid reservation, to break one thing at a time. */
const wire = (): { id: unknown; issued_at: unknown; payload: Record<string, Record<string, unknown>> } => ({
  id: 'cmd-1',
  issued_at: meta.issuedAt,
  payload: { 'dendrites.inventory.Reserve': { sku: 'sku-1', quantity: 2, order_id: 'o-1' } },
});
const reserveOf = (fields: Record<string, unknown>): unknown => ({ ...wire(), payload: { 'dendrites.inventory.Reserve': { sku: 'sku-1', quantity: 2, order_id: 'o-1', ...fields } } });

function rejection(value: unknown): string {
  try {
    parseInventoryCommand(value);
  } catch (error) {
    expect(error).toBeInstanceOf(BadInputError);
    return (error as Error).message;
  }
  throw new Error('parse accepted the value');
}

describe('parseInventoryCommand', () => {
  it('accepts each kind of command as avsc decodes it, and gives it back as built', () => {
    const commands: InventoryCommand[] = [
      restock({ sku: 'sku-1', quantity: 40, warehouse: 'SOUTH' }, meta),
      reserve({ sku: 'sku-1', quantity: 3, orderId: 'o-1' }, meta),
      release({ sku: 'sku-1', quantity: 1, orderId: 'o-1' }, meta),
      setOrderStatus({ orderId: 'o-1', status: 'SHIPPED', attributes: { carrier: 'UPS' } }, meta),
      setOrderStatus({ orderId: 'o-2', status: 'PLACED' }, meta),
    ];
    for (const c of commands) expect(parseInventoryCommand(decode(c))).toEqual(c);
    expect(parseInventoryCommand(decode(commands[1]))).toEqual({ id: 'cmd-1', issuedAt: meta.issuedAt, action: 'reserve', sku: 'sku-1', quantity: 3, orderId: 'o-1' });
  });

  it('gives a command back that survives the journal form (JSON) unchanged', () => {
    const c = parseInventoryCommand(decode(setOrderStatus({ orderId: 'o-1', status: 'PAID', attributes: { a: '1', b: '2' } }, meta)));
    expect(JSON.parse(JSON.stringify(c))).toEqual(c);
  });

  it('round-trips any valid command through Avro (property)', () => {
    const base = { id: fc.string({ minLength: 1 }).filter((s) => s.trim() !== ''), issuedAt: fc.integer({ min: 0, max: 4_102_444_800_000 }) };
    const name = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== '');
    const quantity = fc.integer({ min: 1, max: 2_147_483_647 });
    const command: fc.Arbitrary<InventoryCommand> = fc.oneof(
      fc.record({ ...base, sku: name, quantity, warehouse: fc.constantFrom(...WAREHOUSES) }).map((r) => restock(r, r)),
      fc.record({ ...base, sku: name, quantity, orderId: name }).map((r) => reserve(r, r)),
      fc.record({ ...base, sku: name, quantity, orderId: name }).map((r) => release(r, r)),
      fc.record({ ...base, orderId: name, status: fc.constantFrom(...ORDER_STATUSES), attributes: fc.dictionary(fc.string(), fc.string()) }).map((r) => setOrderStatus(r, r)),
    );
    fc.assert(
      fc.property(command, (c) => {
        expect(parseInventoryCommand(decode(c))).toEqual(c);
      }),
    );
  });

  it('accepts values written with the older and the newer schema, resolved into the reader schema', () => {
    const older = olderType();
    const fromOlder = inventoryType.fromBuffer(older.toBuffer({ id: 'c-old', issued_at: 5, payload: { 'dendrites.inventory.SetOrderStatus': { order_id: 'o-1', status: 'PAID' } } }), inventoryType.createResolver(older));
    expect(parseInventoryCommand(fromOlder)).toEqual({ id: 'c-old', issuedAt: 5, action: 'set-order-status', orderId: 'o-1', status: 'PAID', attributes: {} });
    const newer = newerType();
    const value = { id: 'c-new', issued_at: 6, source: 'pos', payload: { 'dendrites.inventory.Reserve': { sku: 's', quantity: 2, order_id: 'o', channel: 'store' } } };
    const fromNewer = inventoryType.fromBuffer(newer.toBuffer(value), inventoryType.createResolver(newer));
    expect(parseInventoryCommand(fromNewer)).toEqual({ id: 'c-new', issuedAt: 6, action: 'reserve', sku: 's', quantity: 2, orderId: 'o' });
  });

  it('rejects bad ids, SKUs, orders and quantities with a reason', () => {
    expect(rejection({ ...wire(), id: '' })).toMatch(/id must be a non-empty string, got ""/);
    expect(rejection({ ...wire(), id: '   ' })).toMatch(/id must be a non-empty string/);
    expect(rejection(reserveOf({ sku: '' }))).toMatch(/Reserve\.sku must be a non-empty string/);
    expect(rejection(reserveOf({ order_id: '' }))).toMatch(/Reserve\.order_id must be a non-empty string/);
    expect(rejection(reserveOf({ quantity: -3 }))).toMatch(/Reserve\.quantity must be a positive whole number up to 2147483647, got -3/);
    expect(rejection(reserveOf({ quantity: 0 }))).toMatch(/got 0/);
    expect(rejection(reserveOf({ quantity: 1.5 }))).toMatch(/got 1\.5/);
    expect(rejection(reserveOf({ quantity: '2' }))).toMatch(/Reserve\.quantity must be a positive whole number/);
    expect(rejection({ ...wire(), issued_at: -1 })).toMatch(/issued_at must be ms since the epoch/);
    expect(rejection({ ...wire(), issued_at: new Date() })).toMatch(/issued_at must be ms since the epoch/);
  });

  it('rejects missing and unknown fields', () => {
    const { order_id: _, ...noOrder } = wire().payload['dendrites.inventory.Reserve'];
    expect(rejection({ ...wire(), payload: { 'dendrites.inventory.Reserve': noOrder } })).toBe('Reserve: missing field order_id');
    expect(rejection(reserveOf({ channel: 'web' }))).toBe('Reserve: unknown field channel');
    expect(rejection({ ...wire(), extra: 1 })).toBe('InventoryCommand: unknown field extra');
    const { issued_at: __, ...noTime } = wire();
    expect(rejection(noTime)).toBe('InventoryCommand: missing field issued_at');
  });

  it('rejects a payload that is not one known branch, and unknown symbols', () => {
    expect(rejection({ ...wire(), payload: { 'dendrites.inventory.Cancel': { order_id: 'o' } } })).toMatch(/unknown branch "dendrites.inventory.Cancel"/);
    expect(rejection({ ...wire(), payload: { Reserve: { sku: 's', quantity: 1, order_id: 'o' } } })).toMatch(/unknown branch "Reserve"/);
    expect(rejection({ ...wire(), payload: {} })).toMatch(/exactly one branch, got none/);
    const two = { ...wire().payload, 'dendrites.inventory.Release': { sku: 's', quantity: 1, order_id: 'o' } };
    expect(rejection({ ...wire(), payload: two })).toMatch(/exactly one branch, got dendrites.inventory.Reserve, dendrites.inventory.Release/);
    expect(rejection({ ...wire(), payload: { sku: 's', quantity: 1, order_id: 'o' } })).toMatch(/exactly one branch/);
    expect(rejection({ ...wire(), payload: { 'dendrites.inventory.Restock': { sku: 's', quantity: 1, warehouse: 'WEST' } } })).toMatch(/warehouse must be one of NORTH, SOUTH, EAST, got "WEST"/);
    const status = (s: unknown, attributes: unknown = {}): unknown => ({ ...wire(), payload: { 'dendrites.inventory.SetOrderStatus': { order_id: 'o', status: s, attributes } } });
    expect(rejection(status('LOST'))).toMatch(/status must be one of PLACED, PAID, SHIPPED, CANCELLED, got "LOST"/);
    expect(rejection(status('PAID', { carrier: 7 }))).toMatch(/attributes\["carrier"\] must be a string, got number/);
  });

  it('rejects what is not a record at all', () => {
    expect(rejection(null)).toMatch(/must be a record, got null/);
    expect(rejection('reserve')).toMatch(/must be a record, got "reserve"/);
    expect(rejection([1])).toMatch(/must be a record, got an array/);
  });

  it('keeps a map key named __proto__ as an attribute', () => {
    const attributes = JSON.parse('{"__proto__": "x", "a": "b"}') as Record<string, string>;
    const c = parseInventoryCommand({ ...wire(), payload: { 'dendrites.inventory.SetOrderStatus': { order_id: 'o', status: 'PAID', attributes } } });
    expect(c.action === 'set-order-status' && Object.keys(c.attributes)).toEqual(['__proto__', 'a']);
  });

  it('encodes what parse accepts in the shape of the schema', () => {
    expect(toAvro(reserve({ sku: 's', quantity: 1, orderId: 'o' }, meta))).toEqual({ id: 'cmd-1', issued_at: meta.issuedAt, payload: { 'dendrites.inventory.Reserve': { sku: 's', quantity: 1, order_id: 'o' } } });
  });
});
