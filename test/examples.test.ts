// Every `@example` in the docs names a file in examples/, and the in-memory examples run.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('examples', () => {
  it('every @example names a runnable file in examples/', () => {
    const references = sourceFiles('src').flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/@example\s+(examples\/\S+\.ts)/g)].map((m) => ({ file, example: m[1] })),
    );
    expect(references.length).toBeGreaterThan(5);
    const missing = references.filter((r) => !existsSync(r.example));
    expect(missing).toEqual([]);
  });

  it('every TypeScript snippet of docs/cqrs.md stands in examples/own-domain.ts', () => {
    const squash = (text: string): string => text.replace(/\s+/g, ' ').trim();
    const example = squash(readFileSync('examples/own-domain.ts', 'utf8').replace(/^\s*\/\/.*$/gm, ''));
    const snippets = [...readFileSync('docs/cqrs.md', 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => squash(m[1]));
    expect(snippets.length).toBeGreaterThanOrEqual(4);
    expect(snippets.filter((s) => !example.includes(s))).toEqual([]);
  });

  it('in-memory-graph runs, applies the commands and draws the graph', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/in-memory-graph.ts']);
    expect(stdout).toContain('flowchart LR');
    expect(stdout).toMatch(/applied 857 commands, total amount 2997/);
  }, 60_000);

  it('custom-step runs: repeated readings dropped, counted per stage', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/custom-step.ts']);
    expect(stdout).toContain('changes: 20°C 21°C 19°C 22°C 23°C');
    expect(stdout).toContain('valid 11->10, changes 10->5, map 5->5');
  }, 60_000);

  it('custom-flow runs: batches of 4 from the stage author kit', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/custom-flow.ts']);
    expect(stdout).toContain('batch sizes: 4 4 2');
  }, 60_000);

  it('custom-junction runs: each element on the output its route names', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/custom-junction.ts']);
    expect(stdout).toContain('evens: 2 4 6; odds: 1 3 5 7');
  }, 60_000);

  it('rx-interop runs', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/rx-interop.ts']);
    expect(stdout.trim().length).toBeGreaterThan(0);
  }, 60_000);
});
