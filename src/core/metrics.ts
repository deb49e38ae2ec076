/** Per-stage counters of one run. Stages add to them; the runtime counts in and out. */
export class StageMetrics {
  /** Elements taken in from upstream. */
  in = 0;
  /** Elements passed on downstream (for a sink: processed). */
  out = 0;
  /** Elements whose processing failed. */
  failed = 0;
  /** Taken in and, on purpose, not passed on: filtered out, skipped, dead-lettered, dropped on overflow. */
  dropped = 0;
  /** The stage's own named counters (see `count`). */
  readonly counters = new Map<string, number>();

  constructor(
    /** The stage's name in its graph. */
    readonly stage: string,
    /** What the stage is (`map`, `kafkaSource`...). */
    readonly kind: string,
  ) {}

  /** Adds to a named counter of this stage (e.g. `deadLettered`). */
  count(counter: string, n = 1): void {
    this.counters.set(counter, (this.counters.get(counter) ?? 0) + n);
  }
}

/** One stage's counters at the moment of a snapshot. */
export interface StageMetricsSnapshot {
  /** The stage's name in its graph. */
  readonly stage: string;
  /** What the stage is (`map`, `kafkaSource`...). */
  readonly kind: string;
  /** Elements taken in from upstream. */
  readonly in: number;
  /** Elements passed on downstream (for a sink: processed). */
  readonly out: number;
  /** Elements the stage has taken and not yet passed on (or, for a sink, not yet processed). */
  readonly inFlight: number;
  /** Elements whose processing failed. */
  readonly failed: number;
  /** Elements taken in and, on purpose, not passed on (filtered out, skipped, dead-lettered, dropped on overflow). */
  readonly dropped: number;
  /** Elements out per second since the previous snapshot. */
  readonly throughput: number;
  /** The stage's own named counters (`deadLettered`, `badInput`, `retries`...). */
  readonly counters: Readonly<Record<string, number>>;
}

/** The counters of every stage of a run, as `metrics$` emits them. */
export interface MetricsSnapshot {
  /** Milliseconds since the run started. */
  readonly elapsedMs: number;
  /** One entry per stage. */
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
