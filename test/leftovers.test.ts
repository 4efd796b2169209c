import { afterEach, describe, expect, it, vi } from 'vitest';
import { leftovers, restoreWorker, workerState } from './support/leftovers.js';

// Files share their worker (isolate: false); the guard run before each file must name what one left behind.
describe('a test file that leaves its worker changed', () => {
  const before = workerState();
  afterEach(() => restoreWorker(before));

  it('is named for fake timers, a changed or added env variable and a stubbed global, and put back', () => {
    const path = process.env.PATH;
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    process.env.PATH = '/nowhere';
    process.env.YIYANG_LEFT_BEHIND = '1';
    vi.stubGlobal('localStorage', { getItem: () => null });
    const realFetch = globalThis.fetch;
    globalThis.fetch = (() => Promise.reject(new Error('stubbed'))) as typeof fetch;

    expect(leftovers(before).sort()).toEqual(
      [
        'fake timers',
        'globalThis.setTimeout',
        'globalThis.fetch',
        'globalThis.localStorage',
        'process.env.PATH',
        'process.env.YIYANG_LEFT_BEHIND',
      ].sort(),
    );

    restoreWorker(before);
    expect(leftovers(before)).toEqual([]);
    expect(vi.isFakeTimers()).toBe(false);
    expect(process.env.PATH).toBe(path);
    expect('YIYANG_LEFT_BEHIND' in process.env).toBe(false);
    expect(globalThis.fetch).toBe(realFetch);
    expect('localStorage' in globalThis).toBe(false);
  });

  it('names nothing when the file restored what it changed', () => {
    vi.useFakeTimers();
    process.env.YIYANG_LEFT_BEHIND = '1';
    vi.useRealTimers();
    delete process.env.YIYANG_LEFT_BEHIND;
    expect(leftovers(before)).toEqual([]);
  });

  it('a removed env variable is named too', () => {
    process.env.YIYANG_SET_BEFORE = 'x';
    const withIt = workerState();
    delete process.env.YIYANG_SET_BEFORE;
    expect(leftovers(withIt)).toEqual(['process.env.YIYANG_SET_BEFORE']);
    process.env.YIYANG_SET_BEFORE = 'x';
    restoreWorker(before);
    expect('YIYANG_SET_BEFORE' in process.env).toBe(false);
  });
});
