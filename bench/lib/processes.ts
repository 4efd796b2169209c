import { type ChildProcess, execFileSync, type SpawnOptions, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root: child processes run there so that `--import tsx` resolves. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sleeps until wall-clock ms `t` (at once if it has passed). */
export const sleepUntil = (t: number) => sleep(Math.max(0, t - Date.now()));

const children = new Set<ChildProcess>();
/** Children started `detached`: each leads a process group holding everything it started. */
const groups = new WeakSet<ChildProcess>();

/** The soft (or hard) limit on open files of this process (children inherit it). */
export function openFileLimit(pid: number | 'self' = 'self', which: 'soft' | 'hard' = 'soft'): number {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const value = line?.split(/\s{2,}/)[which === 'soft' ? 1 : 2];
  return value === 'unlimited' ? Number.POSITIVE_INFINITY : Number(value ?? 1024);
}

/** Pins this process, all its threads, to one core: a benchmark's own process mostly waits, off the broker's core. */
export function pinSelf(core: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], { stdio: 'ignore' });
}

/**
 * Starts `command` pinned to one CPU core (taskset; `undefined`: not pinned) and, when asked for more open files
 * than this process may have, with a raised limit (prlimit; both exec, so the pid is the command's).
 * Every child is killed when this process exits, however it exits.
 */
export function spawnPinned(
  core: number | undefined,
  command: string,
  args: string[],
  options: SpawnOptions & { openFiles?: number } = {},
): ChildProcess {
  const { openFiles, ...spawnOptions } = options;
  // Raising the hard limit needs a privilege this process may not have: at most up to it, then.
  const nofile = openFiles && Math.min(openFiles, openFileLimit('self', 'hard'));
  const raise = nofile && nofile > openFileLimit() ? ['prlimit', `--nofile=${nofile}:${nofile}`] : [];
  const pin = core === undefined ? [] : ['taskset', '-c', String(core)];
  const argv = [...raise, ...pin, command, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { cwd: repoRoot, ...spawnOptions });
  children.add(child);
  if (spawnOptions.detached) groups.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** A TypeScript entry run by Node with tsx, pinned to a core. */
export function spawnTsx(
  core: number | undefined,
  file: string,
  options: SpawnOptions & { openFiles?: number; nodeArgs?: string[] } = {},
): ChildProcess {
  const { nodeArgs = [], ...rest } = options;
  return spawnPinned(core, process.execPath, [...nodeArgs, '--import', 'tsx', file], rest);
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** SIGTERM to a detached child's process group (so that it can clean up), SIGKILL to what is left after `graceMs`. */
export async function endGroup(child: ChildProcess, graceMs = 3000): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, name);
    } catch {
      // nothing left
    }
  };
  signal('SIGTERM');
  await Promise.race([exited(child), sleep(graceMs)]);
  signal('SIGKILL');
}

export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

/** Kills every child still running; a detached child with its whole process group. */
export function killAllChildren(): void {
  for (const child of children) {
    try {
      if (child.pid) process.kill(groups.has(child) ? -child.pid : child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
}

const tempDirs = new Set<string>();

/** A fresh directory under the system's temp dir, removed when this process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

process.once('exit', () => {
  killAllChildren();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    const detached = [...children].filter((child) => groups.has(child));
    void Promise.all(detached.map((child) => endGroup(child))).then(() => process.exit(130));
  });
}

/** Progress for the person watching; stdout is kept for the result line. */
export function log(message: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
