// A custom step stage: drops an element whose key is the same as the previous one's
// (a sensor that repeats itself). Step stages are synchronous and hand on at most one
// element per element; next to map and filter they run fused, one loop per chunk.
// Run: npx tsx examples/custom-step.ts
import { collect, defineStep, filter, type Flow, fromArray, inStage, map } from 'dendrites';

/** Drops an element when `key` gives the same value as for the element before it. */
function distinctUntilChanged<T>(key: (item: T) => unknown): Flow<T, T> {
  return defineStep<T, T>('distinctUntilChanged', (ctx, out) => {
    // Per-run state lives here: the definition can be run again, or used twice in one graph.
    let previous: { key: unknown } | undefined;
    return (item, ack) => {
      let k: unknown;
      try {
        k = key(item);
      } catch (error) {
        throw inStage(error, ctx.name); // errors name the stage, as every stage's do
      }
      if (previous !== undefined && Object.is(previous.key, k)) return out.drop(ack); // counts as processed
      previous = { key: k };
      out.emit(item, ack);
    };
  });
}

const readings = [20, 20, 21, 21, 21, 19, 19, 22, -1, 22, 23];
const changes = fromArray(readings)
  .via(filter((celsius: number) => celsius >= 0).named('valid'))
  .via(distinctUntilChanged((celsius: number) => celsius).named('changes'))
  .via(map((celsius) => `${celsius}°C`))
  .to(collect());

const handle = changes.run();
let last = '';
handle.metrics$.subscribe((snapshot) => {
  last = snapshot.stages.map((s) => `${s.stage} ${s.in}->${s.out}`).join(', ');
});
console.log(`changes: ${(await handle.done).join(' ')}`);
console.log(`stages: ${last}`);
