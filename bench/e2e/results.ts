// Writes the "e2e" section of bench/RESULTS.md, between its markers, leaving the rest of
// the file (the "core" section, maintained separately) as it is.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FILE = fileURLToPath(new URL('../RESULTS.md', import.meta.url));
const BEGIN = '<!-- e2e:begin -->';
const END = '<!-- e2e:end -->';

export interface E2eReport {
  readonly date: string;
  readonly commands: number;
  readonly small: number;
  readonly rounds: number;
  readonly machine: { readonly nproc: number; readonly memoryGb: number; readonly cpu: string };
  readonly versions: Readonly<Record<string, string>>;
  readonly rows: readonly { contender: string; runs: readonly number[]; rate: number | null; p50: number | null; p99: number | null; rss: number | null; note: string }[];
  readonly sweep: readonly { concurrency: number; commandsPerSec: number }[];
  readonly bestConcurrency: number;
  readonly summary: {
    readonly ratioToBaseline: number | null;
    readonly ratioToCeiling: number | null;
    readonly rssGrowthBacklog10x: number | null;
    readonly peakRssMb: { readonly dendrites: number | null; readonly dendritesBacklogSmall: number | null };
  };
}

/** Hand-written analysis kept across runs: the text between these markers is not regenerated. */
const NOTES_BEGIN = '<!-- e2e:notes:begin -->';
const NOTES_END = '<!-- e2e:notes:end -->';

function section(r: E2eReport, notes: string): string {
  const v = r.versions;
  const s = r.summary;
  const dash = (x: unknown): string => (x === null || x === undefined ? '–' : String(x));
  return [
    BEGIN,
    '## e2e',
    '',
    '`npm run bench -- e2e` (Kafka → graph → Cassandra on the local services; `--commands N` for a quick run).',
    '',
    `Run ${r.date.slice(0, 16).replace('T', ' ')} UTC · ${r.commands.toLocaleString('en')} transfer commands on 6 partitions, ${r.rounds} runs per contender interleaved (A B C A B C), medians quoted · ` +
      `machine: ${r.machine.nproc} cores (${r.machine.cpu}), ${r.machine.memoryGb} GB, shared with other work (noisy) · ` +
      `node ${v.node}, Kafka ${v.kafka}, Cassandra ${v.cassandra}, kafkajs ${v.kafkajs}, cassandra-driver ${v['cassandra-driver']}, avsc ${v.avsc}, dendrites ${v.dendrites}.`,
    '',
    '| contender | commands/s (median) | runs | e2e latency p50 / p99 ms | peak RSS MB | how |',
    '|---|---:|---|---:|---:|---|',
    ...r.rows.map((x) => `| ${x.contender} | ${dash(x.rate)} | ${x.runs.join(' / ')} | ${dash(x.p50)} / ${dash(x.p99)} | ${dash(x.rss)} | ${x.note} |`),
    '',
    `- dendrites / baseline: **${dash(s.ratioToBaseline)}** (target ≥ 1.0); dendrites / ceiling: **${dash(s.ratioToCeiling)}** (target ≥ 0.7).`,
    `- dendrites peak RSS with a ${r.small.toLocaleString('en')} backlog: ${dash(s.peakRssMb.dendritesBacklogSmall)} MB; with ${r.commands.toLocaleString('en')}: ${dash(s.peakRssMb.dendrites)} MB; growth for 10× the backlog: **×${dash(s.rssGrowthBacklog10x)}** (target ≤ 1.2).`,
    `- ceiling concurrency sweep (20,000 commands each): ${r.sweep.map((x) => `${x.concurrency} → ${x.commandsPerSec}/s`).join(', ')}; runs used ${r.bestConcurrency}.`,
    '',
    'Method. The commands are produced once (Avro, schemas/command.avsc, keyed by the debited account) and every run reads them on a fresh consumer group into a fresh keyspace, where the 100 accounts were opened (the service applied one open-account command each) so the domain knows them. Per command every contender does the same work: decode, validate, the service write (one logged batch: the debit and credit ledger entries and the two `applied` journal rows) and the event-log write (one logged batch: `event_log`, `event_log_by_aggregate` and the two `logged` journal rows), and the Kafka contenders commit an offset only after both writes of every record up to it. Each run is checked: journal and event-log rows, ledger entries and balance per account, event-log rows per aggregate, all offsets committed; a wrong run fails the bench. Throughput is commands over the time from the first record fetched (ceiling: the first write) to the last write acknowledged, so group joins and process start do not count. Latency is sampled (1 command in 16) from the arrival of the record\'s fetched batch at the consumer to both writes acknowledged: the backlog is produced before the runs, so the Kafka record timestamp would measure the age of the backlog, not the pipeline. Peak RSS is the child process\'s `maxRSS` (each contender runs in its own process).',
    '',
    NOTES_BEGIN,
    notes.trim(),
    NOTES_END,
    END,
  ].join('\n');
}

export function writeE2eSection(r: E2eReport): void {
  const old = existsSync(FILE) ? readFileSync(FILE, 'utf8') : '# Benchmark results\n';
  const start = old.indexOf(BEGIN);
  const end = old.indexOf(END);
  let notes = '';
  if (start >= 0 && end > start) {
    const body = old.slice(start, end);
    const ns = body.indexOf(NOTES_BEGIN);
    const ne = body.indexOf(NOTES_END);
    if (ns >= 0 && ne > ns) notes = body.slice(ns + NOTES_BEGIN.length, ne);
  }
  const text = section(r, notes);
  const next = start >= 0 && end > start ? old.slice(0, start) + text + old.slice(end + END.length) : `${old.trimEnd()}\n\n${text}\n`;
  writeFileSync(FILE, next);
}
