/**
 * Wakes every task waiting for "something changed" in a stage's state. A waiter re-checks
 * the state after each wake-up, so a spurious wake-up is harmless.
 */
export class Wakeup {
  // Made when a task first waits, not at every notify: a stage that notifies per element
  // (forEach and mapAsync at each finished call) then makes no promise while nobody waits.
  #waiting: Deferred<void> | undefined;

  /** Resolves at the next `notify()`. */
  wait(): Promise<void> {
    this.#waiting ??= deferred();
    return this.#waiting.promise;
  }

  /** Wakes every task waiting in `wait()` now; later waiters wait for the next one. */
  notify(): void {
    const waiting = this.#waiting;
    if (waiting === undefined) return;
    this.#waiting = undefined;
    waiting.resolve();
  }
}

/** A promise with its resolve and reject functions, to settle it from outside. */
export interface Deferred<T> {
  /** The promise. */
  readonly promise: Promise<T>;
  /** Fulfils it with `value`. */
  readonly resolve: (value: T) => void;
  /** Rejects it with `error`. */
  readonly reject: (error: unknown) => void;
}

/** A new pending promise with its resolve and reject functions. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
