import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RetryUntilDone } from './retry-until-done.js';

describe('RetryUntilDone', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('[RETRY-UNTIL-DONE] a failing step is tried again after 1 s, doubling up to 30 s, until it succeeds', async () => {
    const tries: Array<{ at: number; attempt: number }> = [];
    const delays: number[] = [];
    const retry = new RetryUntilDone({ onFailure: (_e, retryInMs) => delays.push(retryInMs) });
    await retry.run(async (attempt) => {
      tries.push({ at: Date.now(), attempt });
      if (tries.length < 8) throw new Error('store away');
    });
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(tries.map((t) => t.at)).toEqual([0, 1000, 3000, 7000, 15_000, 31_000, 61_000, 91_000]);
    expect(tries.map((t) => t.attempt)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('[RETRY-UNTIL-DONE] stop() cancels a pending retry; start() lets a new step run', async () => {
    const step = vi.fn(async () => {
      throw new Error('store away');
    });
    const retry = new RetryUntilDone({ onFailure: () => undefined });
    await retry.run(step);
    await retry.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(step).toHaveBeenCalledTimes(1);
    await retry.run(step); // stopped: refused
    expect(step).toHaveBeenCalledTimes(1);
    retry.start();
    await retry.run(async () => undefined);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(step).toHaveBeenCalledTimes(1);
  });

  it('[RETRY-UNTIL-DONE] a new step replaces the pending retry of the one before', async () => {
    const first = vi.fn(async () => {
      throw new Error('store away');
    });
    const second = vi.fn(async () => undefined);
    const retry = new RetryUntilDone({ onFailure: () => undefined });
    await retry.run(first);
    await retry.run(second);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(first).toHaveBeenCalledTimes(1);
    expect(second).toHaveBeenCalledTimes(1);
  });
});
