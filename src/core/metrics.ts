/** Per-stage counters of one run. Stages add to them; the runtime counts in and out. */
export class StageMetrics {
  in = 0;
  out = 0;
  failed = 0;
  /** Taken in and, on purpose, not passed on: filtered out, skipped, dead-lettered, dropped on overflow. */
  dropped = 0;
  readonly counters = new Map<string, number>();

  constructor(
    readonly stage: string,
    readonly kind: string,
  ) {}

  /** Adds to a named counter of this stage (e.g. `deadLettered`). */
  count(counter: string, n = 1): void {
    this.counters.set(counter, (this.counters.get(counter) ?? 0) + n);
  }
}

export interface StageMetricsSnapshot {
  readonly stage: string;
  readonly kind: string;
  readonly in: number;
  readonly out: number;
  /** Elements the stage has taken and not yet passed on (or, for a sink, not yet processed). */
  readonly inFlight: number;
  readonly failed: number;
  /** Elements taken in and, on purpose, not passed on (filtered out, skipped, dead-lettered, dropped on overflow). */
  readonly dropped: number;
  /** Elements out per second since the previous snapshot. */
  readonly throughput: number;
  readonly counters: Readonly<Record<string, number>>;
}

export interface MetricsSnapshot {
  readonly elapsedMs: number;
  readonly stages: readonly StageMetricsSnapshot[];
}

/** Takes snapshots of a run's counters, with throughput since the last one. */
export class MetricsRecorder {
  readonly #started = performance.now();
  #lastAt = this.#started;
  readonly #lastOut = new Map<StageMetrics, number>();

  constructor(readonly stages: readonly StageMetrics[]) {}

  snapshot(): MetricsSnapshot {
    const now = performance.now();
    const seconds = Math.max((now - this.#lastAt) / 1000, 1e-3);
    this.#lastAt = now;
    const stages = this.stages.map((m) => {
      const previous = this.#lastOut.get(m) ?? 0;
      this.#lastOut.set(m, m.out);
      return {
        stage: m.stage,
        kind: m.kind,
        in: m.in,
        out: m.out,
        inFlight: Math.max(0, m.in - m.out - m.failed - m.dropped),
        failed: m.failed,
        dropped: m.dropped,
        throughput: (m.out - previous) / seconds,
        counters: Object.fromEntries(m.counters),
      };
    });
    return { elapsedMs: now - this.#started, stages };
  }
}
