// The sample's schema and tables exist twice: as files a person reads (schemas/) and as
// constants the code uses. These tests keep the two equal.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from 'dendrites';
import { inventorySchema, inventoryTablesCql, inventoryType } from 'dendrites/samples/inventory';

const squash = (s: string): string => s.replace(/--[^\n]*/g, '').replace(/\s+/g, ' ').trim();

describe('schemas/inventory.avsc', () => {
  it('is the schema of schema.ts', () => {
    const file = JSON.parse(readFileSync(new URL('../../../schemas/inventory.avsc', import.meta.url), 'utf8')) as unknown;
    expect(file).toEqual(inventorySchema);
  });

  it('uses a union of records, enums, a timestamp-millis and a map', () => {
    const schema = JSON.stringify(inventorySchema);
    expect(schema).toContain('{"type":"long","logicalType":"timestamp-millis"}');
    expect(schema).toContain('{"type":"enum","name":"Warehouse","symbols":["NORTH","SOUTH","EAST"]}');
    expect(schema).toContain('{"type":"map","values":"string"}');
    // avsc without a logical-type implementation: the type is the underlying long (the annotation is dropped).
    expect(JSON.stringify(inventoryType.schema())).toContain('{"name":"issued_at","type":"long"}');
    expect(inventoryType.schema()).toMatchObject({ fields: [{ name: 'id' }, { name: 'issued_at' }, { name: 'payload', type: [{ name: 'dendrites.inventory.Restock' }, { name: 'dendrites.inventory.Reserve' }, { name: 'dendrites.inventory.Release' }, { name: 'dendrites.inventory.SetOrderStatus' }] }] });
  });
});

describe('schemas/inventory.cql', () => {
  it('holds the tables of inventoryTablesCql', () => {
    const file = readFileSync(new URL('../../../schemas/inventory.cql', import.meta.url), 'utf8');
    const fromFile = squash(file).split(';').map((s) => s.trim()).filter((s) => s.length > 0);
    expect(fromFile).toEqual(inventoryTablesCql('inventory').map(squash));
  });

  it('keys movements by SKU and orders by order id', () => {
    const [movements, orders] = inventoryTablesCql('ks');
    expect(movements).toContain('PRIMARY KEY ((sku), movement_id)');
    expect(orders).toContain('order_id   text PRIMARY KEY');
  });

  it('refuse a keyspace that is not a CQL identifier', () => {
    expect(() => inventoryTablesCql('x; DROP TABLE y')).toThrow(ConfigError);
  });
});
