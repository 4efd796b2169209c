import { describe, expect, it } from 'vitest';
import {
  ADL_KINDS,
  FALL_KINDS,
  FallMotionSimulator,
  HELD_OUT,
  type MotionKind,
  MotionRandom,
} from './fall-motion.js';

const KINDS: MotionKind[] = [...FALL_KINDS, ...ADL_KINDS];

function magnitudes(t: { x: Float32Array; y: Float32Array; z: Float32Array }): number[] {
  return Array.from(t.x, (_, i) => Math.hypot(t.x[i]!, t.y[i]!, t.z[i]!));
}

describe('FallMotionSimulator', () => {
  it('[FALL-SIM] every kind at 10–200 Hz stays within the sensor range with rising timestamps at the rate', () => {
    const sim = new FallMotionSimulator(11);
    for (const kind of KINDS) {
      for (const [rateHz, rangeG] of [
        [10, 4],
        [25, 8],
        [50, 16],
        [200, 8],
      ] as const) {
        const t = sim.generate({ kind, rateHz, rangeG, durationS: 8, elderly: rateHz === 25 });
        const n = t.tMs.length;
        expect(n).toBeGreaterThan(rateHz * 8 * 0.85); // dropouts
        expect(n).toBeLessThanOrEqual(rateHz * 8);
        for (let i = 0; i < n; i++) {
          if (i > 0) expect(t.tMs[i]!).toBeGreaterThan(t.tMs[i - 1]!);
          for (const v of [t.x[i]!, t.y[i]!, t.z[i]!]) {
            expect(Number.isFinite(v)).toBe(true);
            expect(Math.abs(v)).toBeLessThanOrEqual(rangeG);
          }
        }
        expect((t.tMs[n - 1]! - t.tMs[0]!) / 1000).toBeLessThanOrEqual(8);
      }
    }
  });

  it('[FALL-SIM] a wrist at rest reads 1 g whatever the mount', () => {
    const t = new FallMotionSimulator(3).generate({ kind: 'standing', rateHz: 50, noiseG: 0 });
    const m = magnitudes(t);
    const mean = m.reduce((a, b) => a + b, 0) / m.length;
    expect(mean).toBeGreaterThan(0.97);
    expect(mean).toBeLessThan(1.03);
  });

  it('[FALL-SIM] a tripping fall has a free-fall dip before and an impact spike at impactMs', () => {
    const sim = new FallMotionSimulator(5);
    for (const kind of FALL_KINDS) {
      const t = sim.generate({ kind, rateHz: 100, rangeG: 16, mechanism: 'trip' });
      expect(t.mechanism).toBe('trip');
      expect(t.label).toBe('fall');
      const m = magnitudes(t);
      const i = t.tMs.indexOf(t.impactMs ?? -1);
      expect(i).toBeGreaterThan(0);
      expect(m[i]!).toBeGreaterThan(1.6);
      const before = m.slice(Math.max(0, i - 150), i);
      expect(Math.min(...before)).toBeLessThan(0.8);
    }
  });

  it('[FALL-SIM] daily activities carry no impact and the same seed gives the same recording', () => {
    const a = new FallMotionSimulator(9).generate({ kind: 'walking', rateHz: 25 });
    const b = new FallMotionSimulator(9).generate({ kind: 'walking', rateHz: 25 });
    expect(a.label).toBe('adl');
    expect(a.impactMs).toBeNull();
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
  });

  it('[FALL-SIM] older people slide down: wrist peaks of 1.3–3.5 g, a long descent, mostly a long lie', () => {
    const sim = new FallMotionSimulator(21);
    let stillAfter = 0;
    const n = 30;
    for (let i = 0; i < n; i++) {
      const t = sim.generate({
        kind: 'fall_lateral',
        rateHz: 50,
        elderly: true,
        mechanism: 'slide',
        durationS: 20,
      });
      const m = magnitudes(t);
      const i0 = t.tMs.indexOf(t.impactMs ?? -1);
      expect(m[i0]!).toBeGreaterThan(1.3);
      expect(m[i0]!).toBeLessThan(3.5);
      // no deep free fall: the body sinks rather than drops
      expect(Math.min(...m.slice(Math.max(0, i0 - 100), i0))).toBeGreaterThan(0.5);
      const after = m.slice(i0 + 50, i0 + 250);
      const mu = after.reduce((a, b) => a + b, 0) / after.length;
      const sd = Math.sqrt(after.reduce((a, b) => a + (b - mu) ** 2, 0) / after.length);
      if (sd < 0.05) stillAfter++;
    }
    expect(stillAfter / n).toBeGreaterThan(0.5);
  });

  it('[FALL-SIM] sitting down heavily ends upright and still carries an impact', () => {
    const sim = new FallMotionSimulator(8);
    for (let i = 0; i < 20; i++) {
      const t = sim.generate({ kind: 'sitting_heavily', rateHz: 50, elderly: i % 2 === 0, noiseG: 0.005 });
      expect(t.label).toBe('adl');
      expect(Math.max(...magnitudes(t))).toBeGreaterThan(1.3);
    }
  });

  it('[FALL-SIM] held-out bands: exclude never draws inside them, only never outside', () => {
    const rng = new MotionRandom(4);
    const [lo, hi] = HELD_OUT.slideDescentS;
    for (let i = 0; i < 2000; i++) {
      const a = rng.banded(0.9, 2.6, HELD_OUT.slideDescentS, 'exclude');
      expect(a >= 0.9 && a <= 2.6 && (a < lo || a >= hi)).toBe(true);
      const b = rng.banded(0.9, 2.6, HELD_OUT.slideDescentS, 'only');
      expect(b >= lo && b <= hi).toBe(true);
    }
  });
});
