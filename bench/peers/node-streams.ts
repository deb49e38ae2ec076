import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AsyncSink, type Contender, keep, type Priced, price, WINDOW } from './workload.js';

const objectMode = { objectMode: true, highWaterMark: WINDOW } as const;

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
export const nodeStreams: Contender = async (data) => {
  const sink = new AsyncSink();
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
    pipeline(
      a,
      new Writable({
        ...objectMode,
        write(p: Priced, _encoding, callback) {
          sink.apply(p).then(() => callback(), callback);
        },
      }),
    ),
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
