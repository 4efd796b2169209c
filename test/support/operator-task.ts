import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { StoreLocation } from '../../store/store-backups.js';

const runner = fileURLToPath(new URL('../../scripts/run.mjs', import.meta.url));

export interface TaskEnd {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Where an operator task finds the store, as the hub is configured (DATA_DIR, DATABASE_URL). */
export function storeEnv(place: StoreLocation): NodeJS.ProcessEnv {
  return { DATA_DIR: place.dataDir, ...(place.databaseUrl ? { DATABASE_URL: place.databaseUrl } : {}) };
}

/**
 * `node scripts/run.mjs <task> …` as an operator runs it, with only the given environment (and
 * PATH). Past `timeoutMs` its whole process group is killed and the wait fails.
 */
export function runOperatorTask(
  task: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
): Promise<TaskEnd> {
  const started = performance.now();
  const child = spawn(process.execPath, [runner, task, ...args], {
    env: { PATH: process.env.PATH, ...env },
    detached: true, // its own process group: a timeout ends tsx's child too
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(
        new Error(`${task} ${args.join(' ')} still running after ${timeoutMs} ms:\n${stdout}\n${stderr}`),
      );
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}
