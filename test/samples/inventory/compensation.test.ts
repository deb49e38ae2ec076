// The inventory's duplicate arithmetic: a delivery adds one movement, the job's correction
// of A − 1 extra deliveries brings every SKU back to its once-only stock, whatever the
// deliveries and their order, and rewriting or growing the correction stays right.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CommandDelivery } from 'dendrites/cqrs';
import {
  compensationMovement,
  deliveryMovement,
  domain,
  type InventoryCommand,
  lastOrderStates,
  onceOnlyStock,
  type OrderStatus,
  release,
  reserve,
  restock,
  setOrderStatus,
  signedQuantity,
} from 'dendrites/samples/inventory';
import { MemoryStore } from './memory-store.js';

const ctx = { client: { execute: () => Promise.reject(new Error('no I/O')), batch: () => Promise.reject(new Error('no I/O')) }, keyspace: 'ks' };
const at = { issuedAt: 1_000 };

function deliveryOf(command: InventoryCommand, n: number): CommandDelivery<InventoryCommand> {
  return { command, commandId: command.id, delivery: { id: `delivery-${command.id}-${n}`, kafkaTimestamp: 0, topic: 't', partition: 0, offset: String(n) } };
}

describe('movements and corrections', () => {
  it('restock and release add their quantity, a reservation takes it', () => {
    expect(deliveryMovement(restock({ sku: 's', quantity: 7, warehouse: 'EAST' }, { ...at, id: 'r' }), 'd1')).toEqual({ sku: 's', movementId: 'r:d1', quantity: 7 });
    expect(deliveryMovement(reserve({ sku: 's', quantity: 3, orderId: 'o' }, { ...at, id: 'v' }), 'd1')).toEqual({ sku: 's', movementId: 'v:d1', quantity: -3 });
    expect(deliveryMovement(release({ sku: 's', quantity: 2, orderId: 'o' }, { ...at, id: 'l' }), 'd1')).toEqual({ sku: 's', movementId: 'l:d1', quantity: 2 });
    expect(deliveryMovement(setOrderStatus({ orderId: 'o', status: 'PAID' }, at), 'd1')).toBeUndefined();
  });

  it('the correction is one movement comp:<id> holding −(movement × count); a duplicate reservation is released by it', () => {
    const r = reserve({ sku: 's', quantity: 3, orderId: 'o' }, { ...at, id: 'v' });
    expect(compensationMovement(r, 2)).toEqual({ sku: 's', movementId: 'comp:v', quantity: 6 });
    expect(compensationMovement(restock({ sku: 's', quantity: 5, warehouse: 'NORTH' }, { ...at, id: 'r' }), 3)).toEqual({ sku: 's', movementId: 'comp:r', quantity: -15 });
    expect(Object.is(compensationMovement(r, 0)?.quantity, 0)).toBe(true);
  });

  it("the domain's apply writes the delivery's movement, its compensate the correction; a status needs none", () => {
    const r = reserve({ sku: 's', quantity: 3, orderId: 'o' }, { ...at, id: 'v' });
    expect(domain.apply(deliveryOf(r, 1), ctx)).toEqual([
      { query: 'INSERT INTO ks.inventory_movements (sku, movement_id, quantity, command_id) VALUES (?, ?, ?, ?)', params: ['s', 'v:delivery-v-1', -3, 'v'] },
    ]);
    expect(domain.compensate?.(r, 1, ctx)).toEqual([{ query: 'INSERT INTO ks.inventory_movements (sku, movement_id, quantity, command_id) VALUES (?, ?, ?, ?)', params: ['s', 'comp:v', 3, 'v'] }]);
    const s = setOrderStatus({ orderId: 'o', status: 'PAID', attributes: { a: 'b' } }, { id: 'x', issuedAt: 1_700_000_000_123 });
    expect(domain.compensate?.(s, 3, ctx)).toEqual([]);
    expect(domain.apply(deliveryOf(s, 1), ctx)[0].params).toEqual(['o', 'PAID', { a: 'b' }, 'x', new Date(1_700_000_000_123), '1700000000123000']);
  });

  it('a duplicate status delivery changes nothing; the status issued last wins whatever the order of the writes', () => {
    const store = new MemoryStore();
    const first = setOrderStatus({ orderId: 'o', status: 'PAID', attributes: { a: '1' } }, { id: 'x', issuedAt: 10 });
    const second = setOrderStatus({ orderId: 'o', status: 'SHIPPED' }, { id: 'y', issuedAt: 20 });
    store.run(domain.apply(deliveryOf(second, 1), ctx));
    store.run(domain.apply(deliveryOf(first, 1), ctx));
    store.run(domain.apply(deliveryOf(second, 2), ctx));
    expect(store.orders.get('o')?.state).toEqual({ status: 'SHIPPED', attributes: {} });
    expect(lastOrderStates([first, second, first])).toEqual(new Map([['o', { status: 'SHIPPED', attributes: {} }]]));
  });

  it('onceOnlyStock counts each command id once', () => {
    const r = restock({ sku: 's', quantity: 10, warehouse: 'NORTH' }, { ...at, id: 'a' });
    const v = reserve({ sku: 's', quantity: 4, orderId: 'o' }, { ...at, id: 'b' });
    expect(onceOnlyStock([r, v, v, r])).toEqual(new Map([['s', 6]]));
  });
});

const STATUSES: readonly OrderStatus[] = ['PLACED', 'PAID', 'SHIPPED', 'CANCELLED'];

/** Commands with unique ids (by position) over a few SKUs and orders. */
const commandsArb: fc.Arbitrary<InventoryCommand[]> = fc
  .array(
    fc.record({
      kind: fc.constantFrom('restock', 'reserve', 'release', 'status'),
      sku: fc.constantFrom('a', 'b', 'c'),
      order: fc.constantFrom('o1', 'o2'),
      quantity: fc.integer({ min: 1, max: 1000 }),
      status: fc.constantFrom(...STATUSES),
    }),
    { minLength: 1, maxLength: 25 },
  )
  .map((specs) =>
    specs.map((s, i): InventoryCommand => {
      const meta = { id: `c${i}`, issuedAt: 1_000 + i };
      if (s.kind === 'restock') return restock({ sku: s.sku, quantity: s.quantity, warehouse: 'NORTH' }, meta);
      if (s.kind === 'reserve') return reserve({ sku: s.sku, quantity: s.quantity, orderId: s.order }, meta);
      if (s.kind === 'release') return release({ sku: s.sku, quantity: s.quantity, orderId: s.order }, meta);
      return setOrderStatus({ orderId: s.order, status: s.status }, meta);
    }),
  );

/** Commands, and every delivery of them (each at least once, some more) in any order, and an earlier partial job run. */
const runArb = commandsArb.chain((commands) =>
  fc.record({
    commands: fc.constant(commands),
    extra: fc.array(fc.nat({ max: commands.length - 1 }), { maxLength: 40 }),
    seed: fc.integer(),
    earlier: fc.array(fc.nat(), { minLength: commands.length, maxLength: commands.length }),
  }),
);

describe('compensation (property)', () => {
  it('deliveries with duplicates in any order, then the correction of A − 1 per command, leave the once-only stock', () => {
    fc.assert(
      fc.property(runArb, ({ commands, extra, seed, earlier }) => {
        const order = [...commands.map((_, i) => i), ...extra];
        // A deterministic shuffle of the deliveries for this seed.
        let s = seed >>> 0;
        for (let i = order.length - 1; i > 0; i--) {
          s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
          const j = s % (i + 1);
          [order[i], order[j]] = [order[j], order[i]];
        }
        const store = new MemoryStore();
        const applied = new Map<string, number>();
        for (const i of order) {
          const c = commands[i];
          const n = (applied.get(c.id) ?? 0) + 1;
          applied.set(c.id, n);
          store.run(domain.apply(deliveryOf(c, n), ctx));
        }
        const expected = onceOnlyStock(commands);
        // Before the job, each SKU is off by exactly the extra deliveries' movements.
        const excess = new Map<string, number>();
        for (const c of commands) {
          if (c.action !== 'set-order-status') excess.set(c.sku, (excess.get(c.sku) ?? 0) + signedQuantity(c) * ((applied.get(c.id) ?? 1) - 1));
        }
        for (const [sku, q] of expected) expect(store.stock(sku)).toBe(q + (excess.get(sku) ?? 0));

        // An earlier job run saw fewer deliveries; the later one overwrites its corrections.
        commands.forEach((c, i) => store.run(domain.compensate?.(c, earlier[i] % (applied.get(c.id) ?? 1), ctx) ?? []));
        for (const c of commands) store.run(domain.compensate?.(c, (applied.get(c.id) ?? 1) - 1, ctx) ?? []);
        for (const [sku, q] of expected) expect(store.stock(sku)).toBe(q);
        // Running the job again changes nothing.
        for (const c of commands) store.run(domain.compensate?.(c, (applied.get(c.id) ?? 1) - 1, ctx) ?? []);
        for (const [sku, q] of expected) expect(store.stock(sku)).toBe(q);
        // Order statuses need no correction: they are the once-only ones already.
        for (const [order, state] of lastOrderStates(commands)) expect(store.orders.get(order)?.state).toEqual(state);
      }),
      { numRuns: 300 },
    );
  });
});
