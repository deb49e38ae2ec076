/**
 * `--domain <sample or module>`: a sample's name (money-transfer, inventory) or the path of a
 * module of yours that exports `domain` (a CommandDomain, or as its default export) and,
 * for `demo` and `produce`, `demo` (a DemoSample).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CommandDomain, DemoSample } from 'dendrites/cqrs';
import { UsageError } from './args.js';

export interface LoadedDomain {
  /** What `--domain` said. */
  readonly spec: string;
  readonly domain: CommandDomain<unknown, unknown>;
  /** The module's `demo`, when it has one. */
  readonly demo: DemoSample | undefined;
}

/** The samples, by name, loaded only when asked for. */
const SAMPLES: Readonly<Record<string, () => Promise<Record<string, unknown>>>> = {
  'money-transfer': () => import('dendrites/samples/money-transfer'),
  inventory: () => import('dendrites/samples/inventory'),
};

export const SAMPLE_NAMES = Object.keys(SAMPLES);

/** The help text of `--domain`. */
export const DOMAIN_HELP = `--domain: a sample (${SAMPLE_NAMES.join(', ')}) or the path of a module exporting \`domain\` (and \`demo\` for demo/produce)`;

/** Checks that `--domain` names a sample or an existing file, before anything connects. */
export function domainSpec(spec: string): string {
  if (spec in SAMPLES) return spec;
  if (!existsSync(path.resolve(spec))) throw new UsageError(`--domain: no sample or module "${spec}" (samples: ${SAMPLE_NAMES.join(', ')}; or a path to a module)`);
  return spec;
}

/** Loads the sample or module `--domain` names. */
export async function loadDomain(spec: string): Promise<LoadedDomain> {
  const sample = SAMPLES[domainSpec(spec)];
  const mod = sample !== undefined ? await sample() : ((await import(pathToFileURL(path.resolve(spec)).href)) as Record<string, unknown>);
  const domain = mod.domain ?? mod.default;
  if (domain === undefined) throw new UsageError(`--domain ${spec}: the module exports no \`domain\` (nor a default export)`);
  return { spec, domain: domain as CommandDomain<unknown, unknown>, demo: mod.demo as DemoSample | undefined };
}

/** The module's demo scenario, or a usage error saying it has none. */
export function demoOf(loaded: LoadedDomain, command: string): DemoSample {
  if (loaded.demo === undefined) throw new UsageError(`--domain ${loaded.spec}: the module exports no \`demo\` (a DemoSample), which \`dendrites ${command}\` needs`);
  return loaded.demo;
}
