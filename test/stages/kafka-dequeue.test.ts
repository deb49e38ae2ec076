import { describe, expect, it } from 'vitest';
import { collect, defineFlow, fromArray } from 'dendrites';
import { type ConsumerRecords, consumerRecordsDequeue, type KafkaRecord } from 'dendrites/kafka';
import { probeSink, probeSource } from '../../src/testkit/index.js';

function batch(partition: number, offsets: number[], acked: string[], live = () => true): ConsumerRecords {
  const records: KafkaRecord[] = offsets.map((o) => ({ topic: 't', partition, offset: String(o), key: null, value: Buffer.from(`v${o}`), timestamp: '0', headers: {} }));
  return { topic: 't', partition, records, acks: records.map((r) => () => void acked.push(`${partition}:${r.offset}`)), live };
}

describe('consumerRecordsDequeue', () => {
  it('emits one record per demand and pulls the next batch only when the current one is handed out', async () => {
    const acked: string[] = [];
    const src = probeSource<ConsumerRecords>();
    const out = probeSink<KafkaRecord>();
    const handle = src.source.via(consumerRecordsDequeue()).runWith(out.sink);
    out.request(1);
    expect(await src.expectRequest()).toBe(1); // one batch at a time
    src.sendNext(batch(0, [1, 2, 3], acked));
    expect((await out.expectNextN(1)).map((r) => r.offset)).toEqual(['1']);
    out.request(1);
    expect((await out.expectNextN(1)).map((r) => r.offset)).toEqual(['2']);
    await src.expectNoRequest(50); // still one record of the batch left
    out.request(2);
    expect((await out.expectNextN(1)).map((r) => r.offset)).toEqual(['3']);
    expect(await src.expectRequest()).toBe(1); // batch handed out entirely: now the next
    src.sendNext(batch(1, [7], acked));
    expect((await out.expectNextN(1)).map((r) => r.offset)).toEqual(['7']);
    out.request(1);
    src.sendComplete();
    await out.expectComplete();
    await handle.done;
    expect(acked).toEqual(['0:1', '0:2', '0:3', '1:7']); // the probe sink acknowledges what it receives
  });

  it('hands out chunks of up to the demand, with each record carrying its own ack', async () => {
    const acked: string[] = [];
    const seen: number[] = [];
    const sizes = defineFlow<KafkaRecord, KafkaRecord>('sizes', (up) => ({
      pull: async (max) => {
        const c = await up.pull(max);
        if (c !== undefined) {
          seen.push(c.items.length);
          expect(c.acks).toHaveLength(c.items.length);
        }
        return c;
      },
      cancel: (r) => up.cancel(r),
    }));
    const got = await fromArray([batch(0, [1, 2, 3, 4, 5], acked), batch(3, [10, 12], acked)])
      .via(consumerRecordsDequeue())
      .via(sizes)
      .runWith(collect())
      .done.catch((e: unknown) => {
        throw e;
      });
    expect(got.map((r) => `${r.partition}:${r.offset}`)).toEqual(['0:1', '0:2', '0:3', '0:4', '0:5', '3:10', '3:12']);
    expect(acked).toEqual(got.map((r) => `${r.partition}:${r.offset}`));
    expect(seen).toEqual([5, 2]); // default demand 128: one chunk per batch, never mixing batches
  });

  it('drops the rest of a batch whose partition was revoked, without acknowledging it', async () => {
    const acked: string[] = [];
    let live = true;
    const src = probeSource<ConsumerRecords>();
    const out = probeSink<KafkaRecord>();
    const handle = src.source.via(consumerRecordsDequeue()).runWith(out.sink);
    out.request(1);
    await src.expectRequest();
    src.sendNext(batch(0, [1, 2, 3], acked, () => live));
    await out.expectNextN(1);
    live = false; // rebalance
    out.request(1);
    expect(await src.expectRequest()).toBe(1); // skipped the revoked records, asks for more
    src.sendNext(batch(1, [5], acked));
    expect((await out.expectNextN(1)).map((r) => `${r.partition}:${r.offset}`)).toEqual(['1:5']);
    out.request(1);
    src.sendComplete();
    await out.expectComplete();
    await handle.done;
    expect(acked).toEqual(['0:1', '1:5']);
  });

  it('calls the batch acknowledgement of the upstream chunk once every record is acknowledged', async () => {
    const acked: string[] = [];
    let whole = 0;
    const withChunkAck = defineFlow<ConsumerRecords, ConsumerRecords>('chunkAck', (up) => ({
      pull: async (max) => {
        const c = await up.pull(max);
        return c && { items: c.items, acks: c.items.map(() => () => void whole++) };
      },
      cancel: (r) => up.cancel(r),
    }));
    await fromArray([batch(0, [1, 2], acked), batch(0, [3], acked)]).via(withChunkAck).via(consumerRecordsDequeue()).runWith(collect()).done;
    expect(whole).toBe(2);
    expect(acked).toHaveLength(3);
  });
});
