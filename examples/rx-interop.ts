// rxjs interop: an Observable feeds a graph (fromObservable, with a bounded buffer and an
// explicit overflow strategy), and a graph's output is consumed as an Observable (toObservable).
// Run: npx tsx examples/rx-interop.ts
import { interval, map as rxMap, take, toArray, lastValueFrom } from 'rxjs';
import { collect, fromArray, fromObservable, groupedWithin, mapAsync, toObservable } from 'dendrites';

// 1. Observable -> graph. A price tick every 5 ms; the graph batches them (up to 10, or what
// came within 30 ms). An observable cannot be backpressured: if the graph fell 256 ticks
// behind, the oldest would be dropped (and counted in the stage's `dropped` counter).
const ticks = interval(5).pipe(
  take(40),
  rxMap((i) => ({ symbol: 'ACME', price: 100 + Math.sin(i / 5) * 3 })),
);
const batches = await fromObservable(ticks, { bufferSize: 256, overflow: 'dropHead' })
  .named('ticks')
  .via(groupedWithin({ size: 10, windowMs: 30 }))
  .runWith(collect()).done;
console.log(`fromObservable: ${batches.length} batches of sizes ${batches.map((b) => b.length).join(', ')}`);

// 2. Graph -> Observable. Each subscription runs the source; unsubscribing aborts the run.
const enriched = fromArray(['alice', 'bob', 'carol', 'dave']).via(
  mapAsync(async (name: string) => ({ name, length: name.length }), { parallelism: 2 }),
);
const all = await lastValueFrom(toObservable(enriched).pipe(toArray()));
console.log('toObservable:', all);

// Taking 2 and unsubscribing aborts the rest of the run.
const firstTwo = await lastValueFrom(toObservable(enriched).pipe(take(2), toArray()));
console.log('toObservable, first two:', firstTwo.map((e) => e.name).join(', '));
