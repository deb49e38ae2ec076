// The crash bench's table, from the results file (one RunRecord per line): per cell, medians
// with min–max. Per-kill figures pool every kill of every run of the cell; rates are per run.
import { existsSync, readFileSync } from 'node:fs';
import { type KillRecord, type RunRecord, median } from './common.js';

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');

function spread(values: readonly number[], digits = 0, scale = 1): string {
  const v = values.filter(Number.isFinite).map((x) => x / scale);
  if (v.length === 0) return '–';
  return `${fmt(median(v), digits)} (${fmt(Math.min(...v), digits)}–${fmt(Math.max(...v), digits)})`;
}

/**
 * A kill counts only when the graph still had records it had not fetched: the backlog left right
 * after it (lagAtKill) was more than what it had fetched and not committed (reRead). A kill after
 * the backlog ran out (on a less loaded machine the graph is faster) measures an idle graph.
 */
export function underLoad(k: KillRecord): boolean {
  return k.lagAtKill > k.reRead;
}

export function readRuns(file: string): RunRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RunRecord);
}

export function reportTable(runs: readonly RunRecord[]): string {
  const cells = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const key = `${r.cell.sessionTimeoutMs}|${r.cell.commitIntervalMs}|${r.cell.commitEveryN}|${r.cell.maxUnacknowledged ?? 0}|${r.cell.parallelism ?? 0}`;
    cells.set(key, [...(cells.get(key) ?? []), r]);
  }
  const order = [...cells.keys()].sort((a, b) => {
    const [sa, ia, na, ua, pa] = a.split('|').map(Number);
    const [sb, ib, nb, ub, pb] = b.split('|').map(Number);
    return ua - ub || pa - pb || sa - sb || ib - ia || nb - na;
  });
  const lines = [
    '| max unacked | parallelism | session ms | commit interval ms | commit every N | runs / kills under load | extra deliveries per SIGKILL | same, in seconds of throughput | records re-read per SIGKILL | extra deliveries not in the contiguous written run | restart → first commit, s | restart → first record, s | deliveries/s | commits/s |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const key of order) {
    const rs = cells.get(key) ?? [];
    const c = rs[0].cell;
    const kills = rs.flatMap((r) => r.kills.filter(underLoad).map((k) => ({ k, throughput: r.throughput })));
    const split = kills.filter((x) => x.k.committableAtKill !== undefined).map((x) => x.k.extraApplied - (x.k.committableAtKill ?? 0));
    lines.push(
      [
        '',
        c.maxUnacknowledged === undefined ? 'default' : fmt(c.maxUnacknowledged),
        c.parallelism === undefined ? 'default' : fmt(c.parallelism),
        fmt(c.sessionTimeoutMs),
        fmt(c.commitIntervalMs),
        fmt(c.commitEveryN),
        `${rs.length} / ${kills.length}`,
        spread(kills.map((x) => x.k.extraApplied)),
        spread(
          kills.map((x) => x.k.extraApplied / x.throughput),
          2,
        ),
        spread(kills.map((x) => x.k.reRead)),
        split.length === 0 ? '–' : `${spread(split)} [${split.length}]`,
        spread(
          kills.map((x) => x.k.restartToFirstCommitMs ?? Number.NaN),
          1,
          1000,
        ),
        spread(
          kills.map((x) => x.k.restartToFirstRecordMs ?? Number.NaN),
          1,
          1000,
        ),
        spread(rs.map((r) => r.throughput)),
        spread(
          rs.map((r) => r.commitsPerSecond),
          1,
        ),
        '',
      ]
        .join(' | ')
        .trim(),
    );
  }
  return lines.join('\n');
}

export function printReport(file: string): void {
  const runs = readRuns(file);
  if (runs.length === 0) {
    console.log(`no runs in ${file}`);
    return;
  }
  console.log(reportTable(runs));
  // a consistency check per run: the journal's extra rows against the per-kill attribution
  const unexplained = runs.filter((r) => r.extraApplied !== r.kills.reduce((s, k) => s + k.extraApplied, 0));
  if (unexplained.length > 0) console.log(`\n${unexplained.length} run(s) whose extra deliveries are not all attributed to a kill: ${unexplained.map((r) => `${r.startedAt} (${r.extraApplied} vs ${r.kills.map((k) => k.extraApplied).join('+')})`).join(', ')}`);
  const lost = runs.filter((r) => r.appliedCommands !== r.commands || r.loggedCommands !== r.commands);
  if (lost.length > 0) console.log(`\n${lost.length} run(s) where a command has no journal row: ${lost.map((r) => `${r.startedAt} (${r.appliedCommands}/${r.loggedCommands} of ${r.commands}, ${r.deadLettered} dead-lettered)`).join(', ')}`);
  const all = runs.flatMap((r) => r.kills);
  const idle = all.filter((k) => !underLoad(k));
  console.log(`\n${all.length} kills, ${idle.length} left out: the backlog had run out (records not committed right after the kill ≤ records the child had fetched and not committed)`);
  const loads = runs.map((r) => r.loadAverage);
  console.log(`\n${runs.length} runs; machine load average (1 min) at their ends: median ${median(loads).toFixed(1)}, ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`);
}
