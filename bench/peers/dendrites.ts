import { broadcast, filter, fold, forEach, fromArray, graph, map } from 'dendrites';
import { type Contender, keep, type Priced, price } from './workload.js';

/**
 * dendrites: the graph builder, with the stages a user would pick, default run options
 * (inputBuffer 512: the sink holds one chunk and broadcast the next, so IN_FLIGHT = 1,024).
 */
export const dendrites: Contender = async (data, sink, parallelism) => {
  const g = graph((b) => {
    const fanout = b.add(broadcast<Priced>(2), 'fanout');
    b.connect(fromArray(data).named('commands'), map(price), filter(keep), fanout);
    b.connect(fanout, b.add(forEach(sink.apply, { parallelism }), 'sink'));
    const counter = b.add(fold(0, (n) => n + 1), 'counter');
    b.connect(fanout, counter);
    return { counter };
  });
  const { counter } = await g.run().done;
  return { sinkCount: sink.count, sinkCents: sink.cents, counted: counter };
};
