import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LoadShedder } from './load-shedder.js';

/** The hub's settings (ingest-stage.ts), on the fake clock. */
const settings = {
  intervalMs: 250,
  smoothingIntervals: 4,
  saturated: 0.95,
  calm: 0.8,
  starvedMs: 1000,
  clock: () => Date.now(),
};

describe('load shedder', () => {
  /** The busy share of each coming 250 ms interval, in turn (the last one repeats). */
  let busy: number[] = [0];
  let interval = 0;
  let shedder: LoadShedder;
  beforeEach(() => {
    vi.useFakeTimers();
    interval = 0;
    shedder = new LoadShedder({ ...settings, utilization: () => busy[interval++ % busy.length] ?? 0 });
    shedder.start();
  });
  afterEach(() => {
    shedder.stop();
    vi.useRealTimers();
  });
  const load = (shares: number[]) => {
    busy = shares;
    interval = 0;
  };

  const admitted = (n: number) => Array.from({ length: n }, () => shedder.admit()).filter(Boolean).length;

  it('[OVERLOAD-CALM] with a calm event loop nothing is shed', () => {
    load([0.5]);
    vi.advanceTimersByTime(5000);
    expect(admitted(1000)).toBe(1000);
  });

  it('[OVERLOAD-SHED] a saturated event loop sheds most telemetry within a second, never all of it', () => {
    load([1]);
    vi.advanceTimersByTime(1000);
    const kept = admitted(1000);
    expect(kept).toBeLessThan(300);
    expect(kept).toBeGreaterThan(0);
    vi.advanceTimersByTime(10_000);
    expect(admitted(1000)).toBeGreaterThanOrEqual(50);
  });

  it('[OVERLOAD-RECOVER] when the load falls, shedding stops again within 3 s', () => {
    load([1]);
    vi.advanceTimersByTime(2000);
    load([0.3]);
    vi.advanceTimersByTime(3000);
    expect(admitted(1000)).toBe(1000);
  });

  it('[OVERLOAD-BURSTS] saturated bursts on a core that is 60 % busy on average shed nothing', () => {
    // GC pauses and the reads queued behind them fill single intervals; once a second the
    // devices' synchronised publishes fill two in a row.
    load([1, 1, 0.4, 0]);
    vi.advanceTimersByTime(30_000);
    expect(shedder.shedShare).toBe(0);
    expect(admitted(1000)).toBe(1000);
  });

  it('[OVERLOAD-STARVED] a flood of reads that keeps the timer from firing is shed all the same, a GC pause is not', () => {
    // The busy share the shedder would read looks calm: only the overdue timer tells.
    load([0.5]);
    vi.advanceTimersByTime(2000);
    // A 400 ms pause (a major GC of a large fleet): no timer runs, messages queue behind it.
    vi.setSystemTime(Date.now() + 400);
    expect(admitted(1000)).toBe(1000);
    vi.advanceTimersByTime(250);
    // Then 1.5 s in which the timer never comes round, as at 2× the sustainable rate.
    vi.setSystemTime(Date.now() + 1500);
    const kept = admitted(1000);
    expect(kept).toBeLessThan(600);
    expect(shedder.shedShare).toBeGreaterThan(0);
    // Still starved 1.5 s later: it cuts again without waiting for its timer.
    const share = shedder.shedShare;
    vi.setSystemTime(Date.now() + 1500);
    admitted(1000);
    expect(shedder.shedShare).toBeGreaterThan(share);
    // The flood ends and the loop is calm: everything is taken again within 3 s.
    vi.advanceTimersByTime(3000);
    expect(admitted(1000)).toBe(1000);
  });

  it('[OVERLOAD-STEADY] a sustained overload keeps shedding, without ever dropping to everything or nothing', () => {
    // The event loop is saturated while more than 40 % is taken, and calm below it.
    busy = [];
    const shares: number[] = [];
    shedder.stop();
    const steady = new LoadShedder({
      ...settings,
      utilization: () => (1 - (shares.at(-1) ?? 0) > 0.4 ? 1 : 0.6),
      shareGauge: (share) => shares.push(share),
    });
    for (let i = 0; i < 200; i++) steady.adjust();
    const later = shares.slice(40);
    const meanKept = later.reduce((sum, share) => sum + (1 - share), 0) / later.length;
    expect(Math.min(...later)).toBeGreaterThan(0);
    expect(Math.max(...later)).toBeLessThanOrEqual(0.95);
    expect(meanKept).toBeGreaterThan(0.25);
    expect(meanKept).toBeLessThan(0.6);
  });
});
