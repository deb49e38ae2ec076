// When each fetched batch reached the consumer, per partition: the start of a record's
// end-to-end latency (see bench/RESULTS.md, "e2e", for why not the record timestamp).
export class Arrivals {
  readonly #byPartition = new Map<number, { last: number[]; at: number[] }>();
  firstAt: number | undefined;
  /** The process's CPU usage when the first batch arrived: the start of the measured window. */
  firstCpu: NodeJS.CpuUsage | undefined;

  /** A batch of `partition` whose last offset is `lastOffset` arrived now. */
  batch(partition: number, lastOffset: number): number {
    const now = performance.now();
    if (this.firstAt === undefined) {
      this.firstAt = now;
      this.firstCpu = process.cpuUsage();
    }
    let p = this.#byPartition.get(partition);
    if (p === undefined) this.#byPartition.set(partition, (p = { last: [], at: [] }));
    p.last.push(lastOffset);
    p.at.push(now);
    return now;
  }

  /** When the batch holding `offset` of `partition` arrived (batches arrive in offset order). */
  of(partition: number, offset: number): number | undefined {
    const p = this.#byPartition.get(partition);
    if (p === undefined) return undefined;
    let lo = 0;
    let hi = p.last.length - 1;
    if (hi < 0 || p.last[hi] < offset) return undefined;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (p.last[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    return p.at[lo];
  }
}
