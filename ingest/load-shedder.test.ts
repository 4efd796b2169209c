import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LoadShedder } from './load-shedder.js';

describe('load shedder', () => {
  let busy = 0;
  let shedder: LoadShedder;
  beforeEach(() => {
    vi.useFakeTimers();
    shedder = new LoadShedder({ utilization: () => busy, intervalMs: 250, saturated: 0.9, calm: 0.7 });
    shedder.start();
  });
  afterEach(() => {
    shedder.stop();
    vi.useRealTimers();
  });

  const admitted = (n: number) => Array.from({ length: n }, () => shedder.admit()).filter(Boolean).length;

  it('[OVERLOAD-CALM] with a calm event loop nothing is shed', () => {
    busy = 0.5;
    vi.advanceTimersByTime(5000);
    expect(admitted(1000)).toBe(1000);
  });

  it('[OVERLOAD-SHED] a saturated event loop sheds most telemetry within a second, never all of it', () => {
    busy = 1;
    vi.advanceTimersByTime(1000);
    const kept = admitted(1000);
    expect(kept).toBeLessThan(300);
    expect(kept).toBeGreaterThan(0);
    vi.advanceTimersByTime(10_000);
    expect(admitted(1000)).toBeGreaterThanOrEqual(50);
  });

  it('[OVERLOAD-RECOVER] when the load falls, shedding stops again', () => {
    busy = 1;
    vi.advanceTimersByTime(2000);
    busy = 0.3;
    vi.advanceTimersByTime(6000);
    expect(admitted(1000)).toBe(1000);
  });
});
