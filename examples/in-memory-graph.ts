// An in-memory graph: commands fan out to a custom sink (a plain async function) and a counter.
// Run: npx tsx examples/in-memory-graph.ts
import { broadcast, filter, fold, forEach, fromIterable, graph, map } from 'dendrites';

interface Command {
  readonly id: string;
  readonly action: string;
  readonly data: { readonly amount: number };
}

const commands: Command[] = Array.from({ length: 1000 }, (_, i) => ({ id: `c${i}`, action: 'transfer-money', data: { amount: i % 7 } }));

const applied: string[] = [];
const g = graph((b) => {
  const fanout = b.add(broadcast<Command>(2), 'fanout');
  b.connect(fromIterable(commands).named('commands'), filter((c) => c.data.amount > 0), fanout);
  // A custom sink is a function: here it "applies" each command, two at a time.
  b.connect(fanout, b.add(forEach(async (c) => void applied.push(c.id), { parallelism: 2 }), 'service'));
  const total = b.add(fold(0, (sum, n: number) => sum + n), 'total');
  b.connect(fanout, map((c) => c.data.amount), total);
  return { total };
});

console.log(g.toMermaid());
const { total } = await g.run().done;
console.log(`applied ${applied.length} commands, total amount ${total}`);
