// The graph builder is type-checked hop by hop: handles and junction ports carry their element
// types. Each `@ts-expect-error` line must fail to compile.
import { describe, expectTypeOf, test } from 'vitest';
import { broadcast, collect, filter, fold, forEach, fromArray, graph, ignore, map, merge, zip, type FlowHandle, type InPort, type JunctionHandle, type OutPort, type RunnableGraph, type SinkHandle, type SourceHandle } from 'dendrites';

interface Command {
  readonly id: string;
  readonly data: { readonly amount: number };
}
declare const commands: readonly Command[];

describe('graph builder', () => {
  test('handles carry their types', () => {
    graph((b) => {
      expectTypeOf(b.add(fromArray(commands))).toEqualTypeOf<SourceHandle<Command>>();
      expectTypeOf(b.add(map((c: Command) => c.id))).toEqualTypeOf<FlowHandle<Command, string>>();
      expectTypeOf(b.add(collect<Command>())).toEqualTypeOf<SinkHandle<Command[], Command>>();
      const fanout = b.add(broadcast<Command>(2));
      expectTypeOf(fanout).toEqualTypeOf<JunctionHandle<[Command], Command[]>>();
      expectTypeOf(fanout.out(1)).toEqualTypeOf<OutPort<Command>>();
      expectTypeOf(fanout.in(0)).toEqualTypeOf<InPort<Command>>();
    });
  });

  test('element types flow through connect: no annotations needed', () => {
    const g = graph((b) => {
      const fanout = b.add(broadcast<Command>(2), 'fanout');
      b.connect(fromArray(commands), filter((c) => c.data.amount > 0), fanout);
      b.connect(fanout, b.add(forEach(async (c) => c.id.length), 'service'));
      const total = b.add(fold(0, (sum, n: number) => sum + n), 'total');
      b.connect(fanout, map((c) => c.data.amount), total);
      return { total };
    });
    expectTypeOf(g).toEqualTypeOf<RunnableGraph<{ total: number }>>();
    expectTypeOf(graph((b) => b.add(collect<string>()))).toEqualTypeOf<RunnableGraph<string[]>>();
    expectTypeOf(graph(() => {})).toEqualTypeOf<RunnableGraph<void>>();
  });

  test('a wrong hop does not compile', () => {
    graph((b) => {
      const strings = b.add(collect<string>());
      // @ts-expect-error numbers into a sink of strings
      b.connect(fromArray([1, 2]), strings);
      // @ts-expect-error the second hop is wrong: the map gives numbers
      b.connect(fromArray(['a']), map((s: string) => s.length), strings);
      // @ts-expect-error the first hop is wrong: the map takes numbers
      b.connect(fromArray(['a']), map((n: number) => String(n)), strings);
      // @ts-expect-error a placed flow of numbers does not take strings
      b.connect(fromArray(['a']), b.add(map((n: number) => n)), ignore());
      // @ts-expect-error a sink is not a first step
      b.connect(strings, ignore());
      // @ts-expect-error a junction's input port is not a first step
      b.connect(b.add(merge<string>(2)).in(0), strings);
    });
  });

  test('junctions: a junction output into a sink of another type does not compile', () => {
    graph((b) => {
      const fanout = b.add(broadcast<number>(2));
      b.connect(fromArray([1]), fanout);
      // @ts-expect-error broadcast<number> gives numbers
      b.connect(fanout.out(0), b.add(collect<string>()));
      // @ts-expect-error broadcast<number> gives numbers, on any port
      b.connect(fanout, forEach((s: string) => s));
      b.connect(fanout, map((n) => n.toFixed()), forEach((s) => s.toUpperCase()));
      // @ts-expect-error broadcast<number> takes numbers
      b.connect(fromArray(['a']), fanout);
    });
    graph((b) => {
      const join = b.add(merge<number>(2));
      b.connect(fromArray([1]), join.in(0));
      b.connect(fromArray([2]), join);
      // @ts-expect-error merge<number> takes numbers
      b.connect(fromArray(['a']), join.in(1));
      const out = b.add(collect<number>());
      b.connect(join, out);
      return out;
    });
    const pairs = graph((b) => {
      const pair = b.add(zip<number, string>());
      b.connect(fromArray([1]), pair.in(0));
      b.connect(fromArray(['a']), pair.in(1));
      // @ts-expect-error zip's input 1 takes strings
      b.connect(fromArray([1]), pair.in(1));
      // @ts-expect-error zip's inputs are of different types: wire them port by port
      b.connect(fromArray([1]), pair);
      // @ts-expect-error zip gives pairs
      b.connect(pair, b.add(collect<number>()));
      const out = b.add(collect());
      b.connect(pair, map(([n, s]) => `${n}${s}`), forEach((text) => text.length));
      return out;
    });
    expectTypeOf(pairs).toEqualTypeOf<RunnableGraph<unknown[]>>();
  });

  test('a wrong result type does not compile', () => {
    // @ts-expect-error the result is number[]
    const g: RunnableGraph<string[]> = graph((b) => {
      const out = b.add(collect<number>());
      b.connect(fromArray([1]), out);
      return out;
    });
    void g;
  });

  test('names are unchecked inputs and give unknown', () => {
    graph((b) => {
      b.add(fromArray([1]), 'numbers');
      b.connect('numbers', ignore());
      b.connect(b.get('numbers'), ignore());
      // @ts-expect-error a named stage gives unknown, not numbers
      b.connect('numbers', forEach((n: number) => n));
    });
  });
});
