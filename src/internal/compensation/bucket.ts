/**
 * One bucket of the compensation job: three sorted partition scans (the service's
 * effects, the event log, the job's own record) merged by command id; per command, A and
 * L, the verdict, and the correction written as one logged batch of upserts.
 */
import { types } from 'cassandra-driver';
import { DendritesError, messageOf } from '../../errors.js';
import type { CqlBatchEntry, CqlClient } from '../cassandra/client.js';
import { EVENT_LOG_TABLE } from '../cassandra/schema.js';
import { LEDGER_COMPENSATIONS_TABLE, LEDGER_EFFECTS_TABLE, LEDGER_ENTRIES_TABLE } from '../../domain/ledger-schema.js';
import { compensationEntryId } from '../../domain/ledger.js';
import { Limiter } from './limiter.js';
import { mergeByKey } from './merge.js';
import { decide, type Movement, type PreviousCorrection } from './plan.js';
import { scanPartition } from './scan.js';

/** What the job needs of a domain: read a command back from its effect row, and compensate it. */
export interface CompensationDomain<C> {
  /** The command as the service stored it in its effect row (the `command` column, JSON). */
  decode(json: string): C;
  /** The movement per account that undoes `count` deliveries of `command` (count ≥ 0). */
  compensate(command: C, count: number): readonly Movement[];
}

/** What happened to one command that was applied or corrected more than once. */
export interface CommandReport {
  readonly bucket: Date;
  readonly commandId: string;
  /** Deliveries the service applied (A). */
  readonly applied: number;
  /** Deliveries the event log holds (L). */
  readonly logged: number;
  /** `write`: the correction was (or, in a dry run, would be) written; `unchanged`: it already was. */
  readonly outcome: 'write' | 'unchanged';
  /** The whole correction per account (undoing A − 1 deliveries). */
  readonly entries: readonly Movement[];
}

export interface BucketCounts {
  effectRows: number;
  logRows: number;
  recordRows: number;
  commands: number;
  duplicateEffects: number;
  duplicateDeliveries: number;
  compensated: number;
  unchanged: number;
  auditDuplicates: number;
  appliedNotLogged: number;
  loggedNotApplied: number;
}

export function emptyCounts(): BucketCounts {
  return { effectRows: 0, logRows: 0, recordRows: 0, commands: 0, duplicateEffects: 0, duplicateDeliveries: 0, compensated: 0, unchanged: 0, auditDuplicates: 0, appliedNotLogged: 0, loggedNotApplied: 0 };
}

type Row = { readonly input: 0 | 1 | 2; readonly key: string; readonly row: types.Row };

async function* tagged(input: 0 | 1 | 2, key: string, rows: AsyncIterable<types.Row>): AsyncGenerator<Row> {
  for await (const row of rows) yield { input, key: String(row.get(key)), row };
}

function previousOf(row: types.Row | undefined): PreviousCorrection | undefined {
  if (row === undefined) return undefined;
  const entries = JSON.parse(String(row.get('corrections'))) as Movement[];
  return { compensated: Number(row.get('compensated')), entries };
}

export interface BucketRun<C> {
  readonly client: CqlClient;
  readonly keyspace: string;
  readonly bucket: Date;
  readonly domain: CompensationDomain<C>;
  readonly dryRun: boolean;
  readonly fetchSize: number;
  readonly writes: Limiter;
  readonly counts: BucketCounts;
  /** Called as rows arrive (for progress). */
  readonly onRows: () => void;
  readonly onCommand?: (report: CommandReport) => void;
}

/** Scans and corrects one bucket, adding to `counts`. Writes are queued on `writes` (drain it). */
export async function compensateBucket<C>(r: BucketRun<C>): Promise<void> {
  const { client, keyspace: ks, bucket, counts } = r;
  const scan = (input: 0 | 1 | 2, cql: string, key: string, count: (n: number) => void): AsyncGenerator<Row> =>
    tagged(input, key, scanPartition(client, cql, [bucket], r.fetchSize, (n) => (count(n), r.onRows())));
  const inputs = [
    scan(0, `SELECT command_id, delivery_id, command FROM ${ks}.${LEDGER_EFFECTS_TABLE} WHERE bucket = ?`, 'command_id', (n) => (counts.effectRows += n)),
    scan(1, `SELECT event_id, delivery_id FROM ${ks}.${EVENT_LOG_TABLE} WHERE bucket = ?`, 'event_id', (n) => (counts.logRows += n)),
    scan(2, `SELECT command_id, compensated, corrections FROM ${ks}.${LEDGER_COMPENSATIONS_TABLE} WHERE bucket = ?`, 'command_id', (n) => (counts.recordRows += n)),
  ];
  const names = ['ledger_effects', 'event_log', 'ledger_compensations'];
  for await (const group of mergeByKey(inputs, (row) => row.key, (i) => `${ks}.${names[i]} bucket ${bucket.toISOString()}`)) {
    const [effects, logged, record] = group.rows;
    const applied = effects.length;
    counts.commands++;
    if (applied >= 2) {
      counts.duplicateEffects++;
      counts.duplicateDeliveries += applied - 1;
    }
    if (logged.length >= 2) counts.auditDuplicates += logged.length - 1;
    if (applied >= 1 && logged.length === 0) counts.appliedNotLogged++;
    if (applied === 0 && logged.length >= 1) counts.loggedNotApplied++;
    if (applied === 0) continue; // nothing the service did, nothing to undo
    const first = effects[0].row;
    let command: C;
    try {
      command = r.domain.decode(String(first.get('command')));
    } catch (error) {
      throw new DendritesError(`compensate: the effect row of command ${group.key} (bucket ${bucket.toISOString()}) cannot be read: ${messageOf(error)}`, { cause: error, key: group.key });
    }
    const verdict = decide({ applied, logged: logged.length }, previousOf(record[0]?.row), (count) => r.domain.compensate(command, count));
    if (verdict.kind === 'clean') continue;
    if (verdict.kind === 'unchanged') counts.unchanged++;
    else counts.compensated++;
    r.onCommand?.({ bucket, commandId: group.key, applied, logged: logged.length, outcome: verdict.kind, entries: verdict.entries });
    if (verdict.kind === 'write' && !r.dryRun) {
      const batch: CqlBatchEntry[] = verdict.entries.map((e) => ({
        query: `INSERT INTO ${ks}.${LEDGER_ENTRIES_TABLE} (account, entry_id, command_id, amount) VALUES (?, ?, ?, ?)`,
        params: [e.account, compensationEntryId(group.key, e.account), group.key, types.Long.fromNumber(e.amount)],
      }));
      batch.push({
        query: `INSERT INTO ${ks}.${LEDGER_COMPENSATIONS_TABLE} (bucket, command_id, applied, compensated, corrections, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
        params: [bucket, group.key, applied, verdict.compensated, JSON.stringify(verdict.entries), new Date()],
      });
      await r.writes.run(() => client.batch(batch, { prepare: true, logged: true, isIdempotent: true }).then(() => undefined));
    }
  }
}
