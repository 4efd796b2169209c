import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository's root: child processes run there so that `--import tsx` resolves. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const children = new Set<ChildProcess>();

/** The soft limit on open files of this process (children inherit it). */
export function openFileLimit(pid: number | 'self' = 'self'): number {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft ?? 1024);
}

/**
 * Starts `command` pinned to one CPU core (taskset) and, when asked for more open files
 * than this process may have, with a raised limit (prlimit; both exec, so the pid is the command's).
 * Every child is killed when this process exits, however it exits.
 */
export function spawnPinned(
  core: number,
  command: string,
  args: string[],
  options: SpawnOptions & { openFiles?: number } = {},
): ChildProcess {
  const { openFiles, ...spawnOptions } = options;
  const raise = openFiles && openFiles > openFileLimit() ? ['prlimit', `--nofile=${openFiles}:${openFiles}`] : [];
  const argv = [...raise, 'taskset', '-c', String(core), command, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { cwd: repoRoot, ...spawnOptions });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** A TypeScript entry run by Node with tsx, pinned to a core. */
export function spawnTsx(
  core: number,
  file: string,
  options: SpawnOptions & { openFiles?: number } = {},
): ChildProcess {
  return spawnPinned(core, process.execPath, ['--import', 'tsx', file], options);
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

export function killAllChildren(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

process.once('exit', killAllChildren);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Progress for the person watching; stdout is kept for the result line. */
export function log(message: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
