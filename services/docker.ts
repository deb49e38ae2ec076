// Docker mode: used when a Docker engine answers `docker info`.
import path from 'node:path';
import { REPO_ROOT } from './config.js';
import { run, ServicesError } from './proc.js';
import type { ServiceName } from './jvm.js';

const COMPOSE_FILE = path.join(REPO_ROOT, 'docker-compose.yml');
const compose = (args: string[]): string[] => ['compose', '-f', COMPOSE_FILE, ...args];

export function dockerEngineAnswers(): boolean {
  return run('docker', ['info']).ok;
}

export function composeUp(services: ServiceName[]): void {
  const r = run('docker', compose(['up', '-d', '--wait', ...services]), { inherit: true });
  if (!r.ok) throw new ServicesError(`docker compose up failed for ${services.join(', ')}`);
}

export function composeDown(): void {
  const r = run('docker', compose(['down']), { inherit: true });
  if (!r.ok) throw new ServicesError('docker compose down failed');
}

export function composePs(): string {
  return run('docker', compose(['ps'])).output;
}

export function composeLogs(lines: number): string {
  return run('docker', compose(['logs', '--tail', String(lines)])).output;
}
