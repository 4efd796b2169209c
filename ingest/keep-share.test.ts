import { describe, expect, it } from 'vitest';
import { type AdmissionInterval, KeepShare } from './keep-share.js';

/** The hub's rules (ingest-stage.ts). */
const rules = { floor: 0.05, shedAboveMs: 500, roomBelowMs: 50, maxPerSecond: 0 };

/**
 * A hub that can handle `capacity` messages a second (0.1 ms each) offered `offered` a second, for
 * `intervals` of 100 ms: what it takes, handles and leaves queued follows from the keep share.
 */
function run(
  share: KeepShare,
  offered: number,
  capacity: number | ((interval: number) => number),
  intervals: number,
  backlog = 0,
) {
  const shares: number[] = [];
  let queued = backlog;
  for (let i = 0; i < intervals; i++) {
    const arrived = offered / 10;
    const admitted = arrived * share.keep;
    const handled = Math.min(queued + admitted, (typeof capacity === 'number' ? capacity : capacity(i)) / 10);
    queued += admitted - handled;
    const interval: AdmissionInterval = { ms: 100, arrived, admitted, handled, backlog: queued, costMs: 0.1 };
    shares.push(share.next(interval));
  }
  return { shares, queued };
}

describe('keep share', () => {
  it('[OVERLOAD-CALM] below capacity everything is taken', () => {
    const share = new KeepShare(rules);
    const { shares } = run(share, 9_000, 10_000, 100);
    expect(Math.min(...shares)).toBe(1);
  });

  it('[OVERLOAD-SHED] at twice the capacity it sheds about half within a second, never all of it', () => {
    const share = new KeepShare(rules);
    const { shares, queued } = run(share, 20_000, 10_000, 10);
    expect(share.keep).toBeLessThan(0.6);
    expect(Math.min(...shares)).toBeGreaterThan(0);
    // the queue it let build up is worth at most about a second of work
    expect(queued * 0.1).toBeLessThan(1000);
  });

  it('[OVERLOAD-STEADY] a sustained overload keeps about what can be handled, without ever dropping to nothing', () => {
    const share = new KeepShare(rules);
    const { shares, queued } = run(share, 20_000, 10_000, 300);
    const later = shares.slice(50);
    const meanKept = later.reduce((sum, keep) => sum + keep, 0) / later.length;
    expect(Math.min(...later)).toBeGreaterThanOrEqual(rules.floor);
    expect(meanKept).toBeGreaterThan(0.4);
    expect(meanKept).toBeLessThan(0.55);
    expect(queued * 0.1).toBeLessThan(1000);
  });

  it('[OVERLOAD-STEADY] a core shared with other work (capacity ±40 %, a stall now and then) sheds about the excess, no more', () => {
    const share = new KeepShare(rules);
    let seed = 7;
    const noise = () => {
      seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const capacity = (i: number) => (i % 97 === 50 ? 0 : 8_700 * (0.6 + 0.8 * noise()));
    const { shares, queued } = run(share, 15_000, capacity, 300);
    const later = shares.slice(50);
    const meanKept = later.reduce((sum, keep) => sum + keep, 0) / later.length;
    expect(meanKept).toBeGreaterThan(0.5);
    expect(meanKept).toBeLessThan(0.62);
    expect(queued * 0.1).toBeLessThan(1000);
  });

  it('[OVERLOAD-RECOVER] once the load is back under capacity, everything is taken again within half a second', () => {
    const share = new KeepShare(rules);
    const overload = run(share, 20_000, 10_000, 150);
    expect(share.keep).toBeLessThan(1);
    const { shares } = run(share, 8_000, 10_000, 50, overload.queued);
    const back = shares.indexOf(1);
    expect(back).toBeGreaterThanOrEqual(0);
    expect(back).toBeLessThan(5 + (overload.queued * 0.1) / 20);
    expect(Math.min(...shares.slice(back))).toBe(1);
  });

  it('[OVERLOAD-BURSTS] a backlog of a few hundred ms (reads queued behind a GC pause) sheds nothing', () => {
    const share = new KeepShare(rules);
    const { shares } = run(share, 8_000, 10_000, 50, 4_000);
    expect(Math.min(...shares)).toBe(1);
  });

  it('[OVERLOAD-EDGE] right at capacity, a backlog left by a stall (a flush, a GC) is carried, not shed', () => {
    // The hub's own tolerance: shed once a queue of more than 250 ms keeps growing, or passes 1 s.
    const share = new KeepShare({ ...rules, shedAboveMs: 1000, roomBelowMs: 250 });
    const { shares } = run(share, 10_000, 10_000, 100, 4_000);
    expect(Math.min(...shares)).toBe(1);
  });

  it('[TELEMETRY-CAP] an operator ceiling is kept whatever the load', () => {
    const share = new KeepShare({ ...rules, maxPerSecond: 1_000 });
    const { shares } = run(share, 20_000, 50_000, 20);
    for (const keep of shares) expect(keep).toBeCloseTo(0.05, 5);
  });
});
