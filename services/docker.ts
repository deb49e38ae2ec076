// Docker mode: used when a Docker engine answers `docker info`.
import path from 'node:path';
import { REPO_ROOT } from './config.js';
import { run, ServicesError } from './proc.js';

const COMPOSE_FILE = path.join(REPO_ROOT, 'docker-compose.yml');
const compose = (args: string[]): string[] => ['compose', '-f', COMPOSE_FILE, ...args];

/** The compose profile of the 3-node cluster (services kafka-1..3, cassandra-1..3). */
export const CLUSTER_PROFILE = 'cluster';

export function dockerEngineAnswers(): boolean {
  return run('docker', ['info']).ok;
}

/** `docker compose [--profile P] up -d --wait SERVICES`. */
export function composeUp(services: string[], profile?: string): void {
  const r = run('docker', compose([...(profile === undefined ? [] : ['--profile', profile]), 'up', '-d', '--wait', ...services]), { inherit: true });
  if (!r.ok) throw new ServicesError(`docker compose up failed for ${services.join(', ')}`);
}

/** `docker compose --profile cluster down`: the default services and the cluster's, whichever run. */
export function composeDown(): void {
  const r = run('docker', compose(['--profile', CLUSTER_PROFILE, 'down']), { inherit: true });
  if (!r.ok) throw new ServicesError('docker compose down failed');
}

export function composePs(): string {
  return run('docker', compose(['ps'])).output;
}

export function composeLogs(lines: number): string {
  return run('docker', compose(['logs', '--tail', String(lines)])).output;
}
