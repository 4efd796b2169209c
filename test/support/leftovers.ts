import { vi } from 'vitest';

/**
 * What one test file could leave changed for the next file of its worker: with `isolate: false`
 * (vitest.config.ts) the files of a worker share one process, so a file that keeps fake timers,
 * a stubbed global or a changed `process.env` breaks whichever file happens to run after it.
 */
export interface WorkerState {
  env: Record<string, string | undefined>;
  globals: Map<string, PropertyDescriptor | undefined>;
}

/** The globals tests stub or fake; the rest of globalThis is left to the runner. */
const WATCHED_GLOBALS = [
  'fetch',
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'setImmediate',
  'clearImmediate',
  'queueMicrotask',
  'Date',
  'performance',
  'navigator',
  'localStorage',
  'sessionStorage',
  'WebSocket',
  'crypto',
  'console',
];

/** The runner's own variables (VITEST_*) change between files by design. */
const runnerOwned = (name: string) => name.startsWith('VITEST');

export function workerState(): WorkerState {
  return {
    env: { ...process.env },
    globals: new Map(
      WATCHED_GLOBALS.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)]),
    ),
  };
}

/** What differs from `before`, by name ("process.env.X", "globalThis.fetch", "fake timers"). */
export function leftovers(before: WorkerState, fakeTimers = vi.isFakeTimers()): string[] {
  const left: string[] = [];
  const now = workerState();
  const names = new Set([...Object.keys(before.env), ...Object.keys(now.env)]);
  for (const name of names) {
    if (!runnerOwned(name) && before.env[name] !== now.env[name]) left.push(`process.env.${name}`);
  }
  for (const [name, was] of before.globals) {
    if (!sameProperty(was, now.globals.get(name))) left.push(`globalThis.${name}`);
  }
  if (fakeTimers) left.push('fake timers');
  return left;
}

/** Puts the worker back as it was, so that only the file that left something fails. */
export function restoreWorker(before: WorkerState): void {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  for (const name of Object.keys(process.env)) {
    if (!runnerOwned(name) && !(name in before.env)) delete process.env[name];
  }
  for (const [name, value] of Object.entries(before.env)) {
    if (!runnerOwned(name) && value !== undefined) process.env[name] = value;
  }
  for (const [name, was] of before.globals) {
    if (sameProperty(was, Object.getOwnPropertyDescriptor(globalThis, name))) continue;
    if (was) Object.defineProperty(globalThis, name, was);
    else delete (globalThis as Record<string, unknown>)[name];
  }
}

function sameProperty(a: PropertyDescriptor | undefined, b: PropertyDescriptor | undefined): boolean {
  if (!a || !b) return a === b;
  return a.value === b.value && a.get === b.get && a.set === b.set;
}
