import { type Contender, keep, Limiter, price } from './workload.js';

/**
 * One hand-fused loop: the limit for this work (one sink call per kept element; with
 * `parallelism` > 1, up to that many calls in flight). One element in flight besides the
 * sink's calls.
 */
export const fused: Contender = async (data, sink, parallelism) => {
  let counted = 0;
  if (parallelism === 1) {
    for (let i = 0; i < data.length; i++) {
      const p = price(data[i]);
      if (!keep(p)) continue;
      await sink.apply(p);
      counted++;
    }
    return { sinkCount: sink.count, sinkCents: sink.cents, counted };
  }
  const limiter = new Limiter(sink, parallelism);
  for (let i = 0; i < data.length; i++) {
    const p = price(data[i]);
    if (!keep(p)) continue;
    await limiter.apply(p);
    counted++;
  }
  await limiter.idle();
  return { sinkCount: sink.count, sinkCents: sink.cents, counted };
};
