import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Contender, IN_FLIGHT, keep, type Priced, price, type Sink } from './workload.js';

/**
 * Nine object buffers lie between the source and the sink (Readable.from; map and filter,
 * writable and readable side each; the fan-out's; the PassThrough's two; the sink's), and
 * each holds up to highWaterMark elements, so IN_FLIGHT / 9 each keeps the whole within IN_FLIGHT.
 */
const objectMode = { objectMode: true, highWaterMark: Math.floor(IN_FLIGHT / 9) } as const;

/** The sink as a Writable: up to `parallelism` calls in flight; a write completes when its call may start. */
function sinkWritable(sink: Sink, parallelism: number): Writable {
  if (parallelism === 1) {
    return new Writable({
      ...objectMode,
      write(p: Priced, _encoding, callback) {
        sink.apply(p).then(() => callback(), callback);
      },
    });
  }
  let inFlight = 0;
  let blocked: ((error?: Error | null) => void) | undefined;
  let idle: (() => void) | undefined;
  let failure: Error | undefined;
  const settled = (error?: unknown): void => {
    inFlight--;
    if (error !== undefined) failure ??= error as Error;
    const next = blocked;
    blocked = undefined;
    next?.(failure);
    if (inFlight === 0) idle?.();
  };
  return new Writable({
    ...objectMode,
    write(p: Priced, _encoding, callback) {
      if (failure !== undefined) return callback(failure);
      inFlight++;
      sink.apply(p).then(() => settled(), settled);
      if (inFlight < parallelism) callback();
      else blocked = callback;
    },
    final(callback) {
      if (inFlight === 0) return callback(failure);
      idle = () => callback(failure);
    },
  });
}

/**
 * Fan-out that respects backpressure: each element is written to every output, and the
 * write is acknowledged only once every output has room again ('drain').
 */
function fanout<T>(outputs: readonly PassThrough[]): Writable {
  return new Writable({
    ...objectMode,
    write(item: T, _encoding, callback) {
      let waiting = 0;
      const drained = (): void => {
        if (--waiting === 0) callback();
      };
      for (const out of outputs) {
        if (!out.write(item)) {
          waiting++;
          out.once('drain', drained);
        }
      }
      if (waiting === 0) callback();
    },
    final(callback) {
      for (const out of outputs) out.end();
      callback();
    },
    destroy(error, callback) {
      // After a normal finish (autoDestroy) the outputs are ended and drain on their own.
      if (error !== null) for (const out of outputs) out.destroy(error);
      callback(error);
    },
  });
}

/** Node.js object streams: Readable.from -> Transform(map) -> Transform(filter) -> fan-out -> two Writables. */
export const nodeStreams: Contender = async (data, sink, parallelism) => {
  let counted = 0;
  const a = new PassThrough(objectMode);
  const b = new PassThrough(objectMode);
  await Promise.all([
    pipeline(
      Readable.from(data, objectMode),
      new Transform({
        ...objectMode,
        transform(c, _encoding, callback) {
          callback(null, price(c));
        },
      }),
      new Transform({
        ...objectMode,
        transform(p: Priced, _encoding, callback) {
          if (keep(p)) callback(null, p);
          else callback();
        },
      }),
      fanout<Priced>([a, b]),
    ),
    pipeline(a, sinkWritable(sink, parallelism)),
    pipeline(
      b,
      new Writable({
        ...objectMode,
        write(_p: Priced, _encoding, callback) {
          counted++;
          callback();
        },
      }),
    ),
  ]);
  return { sinkCount: sink.count, sinkCents: sink.cents, counted };
};
