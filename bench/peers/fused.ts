import { AsyncSink, type Contender, keep, price } from './workload.js';

/** One hand-fused loop: the floor for this work (one awaited sink call per kept element). */
export const fused: Contender = async (data) => {
  const sink = new AsyncSink();
  let counted = 0;
  for (let i = 0; i < data.length; i++) {
    const p = price(data[i]);
    if (!keep(p)) continue;
    await sink.apply(p);
    counted++;
  }
  return { sinkCount: sink.count, sinkCents: sink.cents, counted };
};
