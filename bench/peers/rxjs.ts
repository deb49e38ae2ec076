import { concatMap, filter, from, lastValueFrom, map, mergeMap, share, Subject, tap } from 'rxjs';
import { type Command, type Contender, IN_FLIGHT, keep, type Priced, price } from './workload.js';

const WINDOW = IN_FLIGHT;
const BATCH = WINDOW / 2;

/**
 * RxJS with credit-based pull: the source emits only what has been requested, and credit
 * is handed back as elements settle (dropped by the filter, or processed by both
 * branches), so at most WINDOW (= IN_FLIGHT) elements are in flight: bounded, not an unbounded
 * push. The sink is `concatMap` (one call at a time) or `mergeMap(…, parallelism)`.
 */
export const rxjs: Contender = async (data, sink, parallelism) => {
  let counted = 0;
  const requests = new Subject<number>();
  let position = 0;
  let requested = 0;
  let dropped = 0;
  let doneA = 0;
  let doneB = 0;
  let refilling = false;
  let completed = false;
  const refill = (): void => {
    if (refilling) return;
    refilling = true;
    for (;;) {
      const settled = dropped + Math.min(doneA, doneB);
      if (requested >= data.length || requested - settled > WINDOW - BATCH) break;
      const n = Math.min(BATCH, data.length - requested);
      requested += n;
      requests.next(n);
    }
    refilling = false;
    if (requested >= data.length && !completed) {
      completed = true;
      requests.complete();
    }
  };
  const shared$ = requests.pipe(
    concatMap((n) => {
      const slice = data.slice(position, position + n);
      position += slice.length;
      return from<Command[]>(slice);
    }),
    map(price),
    filter((p: Priced) => {
      if (keep(p)) return true;
      dropped++;
      return false;
    }),
    share(),
  );
  const a = lastValueFrom(
    shared$.pipe(
      parallelism === 1 ? concatMap((p) => sink.apply(p)) : mergeMap((p) => sink.apply(p), parallelism),
      tap(() => {
        doneA++;
        refill();
      }),
    ),
    { defaultValue: undefined },
  );
  const b = lastValueFrom(
    shared$.pipe(
      tap(() => {
        counted++;
        doneB++;
        refill();
      }),
    ),
    { defaultValue: undefined },
  );
  refill();
  await Promise.all([a, b]);
  return { sinkCount: sink.count, sinkCents: sink.cents, counted };
};
