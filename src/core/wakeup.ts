/**
 * Wakes every task waiting for "something changed" in a stage's state. A waiter re-checks
 * the state after each wake-up, so a spurious wake-up is harmless.
 */
export class Wakeup {
  #waiting = deferred();

  /** Resolves at the next `notify()`. */
  wait(): Promise<void> {
    return this.#waiting.promise;
  }

  notify(): void {
    const { resolve } = this.#waiting;
    this.#waiting = deferred();
    resolve();
  }
}

export interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly resolve: (value: T) => void;
  readonly reject: (error: unknown) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
