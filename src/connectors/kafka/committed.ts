/** Watching a consumer group catch up: how many records of a topic it has committed, and waiting for all. */
import type { Admin, Kafka } from 'kafkajs';
import { sleep } from '../../core/time.js';

export interface Lag {
  /** Records up to the high watermark, over all partitions (from the low watermark). */
  readonly total: number;
  /** Records the group has committed past. */
  readonly committed: number;
}

/** The group's committed position against the topic's end (`admin` connected). */
export async function groupLag(admin: Admin, groupId: string, topic: string): Promise<Lag> {
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  let total = 0;
  let done = 0;
  for (const p of ends) {
    const low = Number(p.low);
    total += Number(p.high) - low;
    const c = at.get(p.partition) ?? -1;
    done += c < 0 ? 0 : Math.max(0, c - low);
  }
  return { total, committed: done };
}

/**
 * Resolves once the group has committed at least `atLeast` records of the topic (default:
 * all of them); rejects after `timeoutMs`, or when `failed` rejects (the run died).
 */
export async function untilCommitted(
  kafka: Kafka,
  groupId: string,
  topic: string,
  timeoutMs: number,
  failed: Promise<unknown> = new Promise(() => {}),
  atLeast?: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let failure: { error: unknown } | undefined;
  failed.catch((error: unknown) => (failure = { error }));
  const admin = kafka.admin();
  await admin.connect();
  const never = new AbortController().signal;
  try {
    for (;;) {
      if (failure !== undefined) throw failure.error;
      const lag = await groupLag(admin, groupId, topic);
      const target = atLeast ?? lag.total;
      if (target > 0 && lag.committed >= target) return;
      if (Date.now() > deadline) throw new Error(`group ${groupId} committed ${lag.committed} of ${target} records of ${topic} within ${timeoutMs} ms`);
      await sleep(200, never);
    }
  } finally {
    await admin.disconnect();
  }
}
