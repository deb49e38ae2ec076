/**
 * Merges sorted streams of rows by a key, the way the compensation job merges one
 * bucket of the service's effect table, the event log and the job's own record: each
 * input is sorted by key in Cassandra's order for `text` (UTF-8 bytes), and the merge
 * yields, key by key, the rows every input holds for that key.
 */

/** Compares two strings in Cassandra's `text` order: by their UTF-8 bytes. */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  // UTF-16 code unit order equals UTF-8 byte order except around surrogates (U+D800..U+FFFF).
  if (/[\ud800-\uffff]/.test(a) || /[\ud800-\uffff]/.test(b)) return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  return a < b ? -1 : 1;
}

/** One key and, per input, the rows that input holds for it (in input order). */
export interface MergedGroup<R> {
  readonly key: string;
  readonly rows: readonly (readonly R[])[];
}

interface Cursor<R> {
  readonly it: AsyncIterator<R>;
  head: IteratorResult<R>;
}

/**
 * Yields the groups of `inputs` in key order. Throws if an input is not sorted by key:
 * a merge of unsorted scans would miscount, so it refuses rather than guess.
 */
export async function* mergeByKey<R>(inputs: readonly AsyncIterable<R>[], keyOf: (row: R) => string, label: (input: number) => string): AsyncGenerator<MergedGroup<R>> {
  const cursors: Cursor<R>[] = [];
  try {
    for (const input of inputs) {
      const it = input[Symbol.asyncIterator]();
      cursors.push({ it, head: await it.next() });
    }
    for (;;) {
      let key: string | undefined;
      for (const c of cursors) if (!c.head.done && (key === undefined || compareText(keyOf(c.head.value), key) < 0)) key = keyOf(c.head.value);
      if (key === undefined) return;
      const rows: R[][] = [];
      for (let i = 0; i < cursors.length; i++) {
        const c = cursors[i];
        const taken: R[] = [];
        while (!c.head.done && keyOf(c.head.value) === key) {
          taken.push(c.head.value);
          c.head = await c.it.next();
        }
        if (!c.head.done && compareText(keyOf(c.head.value), key) < 0) {
          throw new Error(`${label(i)} is not sorted by key: ${keyOf(c.head.value)} after ${key}`);
        }
        rows.push(taken);
      }
      yield { key, rows };
    }
  } finally {
    await Promise.all(cursors.map((c) => c.it.return?.()));
  }
}
