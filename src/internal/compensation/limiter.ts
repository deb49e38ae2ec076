/** At most `limit` tasks in flight; `run` waits for a free slot, `drain` for all, the first error is rethrown. */
export class Limiter {
  #inFlight = 0;
  #waiters: (() => void)[] = [];
  #failure: { error: unknown } | undefined;

  constructor(private readonly limit: number) {}

  async run(task: () => Promise<void>): Promise<void> {
    while (this.#inFlight >= this.limit) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    if (this.#failure !== undefined) throw this.#failure.error;
    this.#inFlight++;
    task().then(
      () => this.#settle(),
      (error: unknown) => {
        this.#failure ??= { error };
        this.#settle();
      },
    );
  }

  async drain(): Promise<void> {
    while (this.#inFlight > 0) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    if (this.#failure !== undefined) throw this.#failure.error;
  }

  #settle(): void {
    this.#inFlight--;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
