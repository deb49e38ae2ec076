// The linear DSL is type-checked: what a source gives must be what the next stage takes, and a
// run's result is the sink's. Each `@ts-expect-error` line must fail to compile (vitest's
// typecheck fails the test if one compiles).
import { describe, expectTypeOf, test } from 'vitest';
import { collect, filter, fold, forEach, fromArray, ignore, map, type Flow, type RunHandle, type RunnableGraph, type Sink, type Source } from 'dendrites';

interface Animal {
  readonly name: string;
}
interface Dog extends Animal {
  readonly barks: true;
}

describe('linear DSL', () => {
  test('the three graphs that used to compile do not', () => {
    // @ts-expect-error a Sink<string, void> does not take numbers
    fromArray([1, 2, 3]).to(forEach((s: string) => s.toUpperCase()));
    // @ts-expect-error a Flow<number, number> does not take strings
    fromArray(['a']).via(map((n: number) => n * 2));
    // @ts-expect-error a Sink<Date, Date[]> does not take numbers
    fromArray([1]).via(map((n: number) => n * 2)).runWith(collect<Date>());
    // @ts-expect-error a Flow<number, string> is not a Flow<boolean, Date>
    const f: Flow<boolean, Date> = map((n: number) => String(n));
    void f;
  });

  test('element types flow from the source: no annotations needed', () => {
    const s = fromArray([1, 2, 3])
      .via(map((n) => n * 2))
      .via(filter((n) => n > 2))
      .via(map((n) => String(n)));
    expectTypeOf(s).toEqualTypeOf<Source<string>>();
    expectTypeOf(s.runWith(collect())).toEqualTypeOf<RunHandle<string[]>>();
    expectTypeOf(s.to(fold(0, (sum, text) => sum + text.length))).toEqualTypeOf<RunnableGraph<number>>();
    expectTypeOf(s.to(forEach((text) => text.toUpperCase()))).toEqualTypeOf<RunnableGraph<void>>();
  });

  test('a flow composes with flows and sinks', () => {
    const lengths = map((text: string) => text.length);
    expectTypeOf(lengths.via(map((n) => n > 1))).toEqualTypeOf<Flow<string, boolean>>();
    expectTypeOf(lengths.to(collect())).toEqualTypeOf<Sink<string, number[]>>();
    // @ts-expect-error a Flow<string, number> does not go into a Flow<boolean, boolean>
    lengths.via(filter((b: boolean) => b));
    // @ts-expect-error a Flow<string, number> does not go into a Sink<string, string[]>
    lengths.to(collect<string>());
  });

  test('a wrong result type does not compile', () => {
    // @ts-expect-error the result is number[], not string[]
    const g: RunnableGraph<string[]> = fromArray([1]).to(collect());
    // @ts-expect-error done resolves with number[]
    const done: Promise<string[]> = fromArray([1]).runWith(collect()).done;
    void g;
    void done;
  });

  test('variance: sources and results are covariant, inputs contravariant', () => {
    const dogs = fromArray<Dog>([]);
    expectTypeOf(dogs).toExtend<Source<Animal>>();
    expectTypeOf<Source<Animal>>().not.toExtend<Source<Dog>>();
    expectTypeOf<Sink<Animal, void>>().toExtend<Sink<Dog, void>>();
    expectTypeOf<Sink<Dog, void>>().not.toExtend<Sink<Animal, void>>();
    expectTypeOf<Sink<Dog, Dog[]>>().toExtend<Sink<Dog, Animal[]>>();
    expectTypeOf<Flow<Animal, Dog>>().toExtend<Flow<Dog, Animal>>();
    expectTypeOf<Flow<Dog, Animal>>().not.toExtend<Flow<Animal, Dog>>();
    expectTypeOf<RunnableGraph<Dog>>().toExtend<RunnableGraph<Animal>>();
    expectTypeOf<RunnableGraph<Animal>>().not.toExtend<RunnableGraph<Dog>>();
    dogs.to(forEach((a: Animal) => a.name)); // a sink of animals takes dogs
    // @ts-expect-error a sink of dogs does not take animals
    fromArray<Animal>([]).to(forEach((d: Dog) => d.barks));
    dogs.to(ignore());
  });
});
