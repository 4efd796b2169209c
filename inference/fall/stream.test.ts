import { describe, expect, it } from 'vitest';
import { FallBatch } from './batch.js';
import { FallFeatures } from './features.js';
import { FALL_WINDOW } from './spec.js';
import { FallStream } from './stream.js';

const features = new FallFeatures(FALL_WINDOW);

/** A still wrist at `rateHz` for `seconds`, with optional spikes (time ms → magnitude g). */
function still(rateHz: number, seconds: number, spikes: Record<number, number> = {}) {
  const n = Math.round(rateHz * seconds);
  const t = Float64Array.from({ length: n }, (_, i) => (i * 1000) / rateHz);
  const z = new Float32Array(n).fill(1);
  for (const [ms, g] of Object.entries(spikes)) z[Math.round((Number(ms) * rateHz) / 1000)] = g;
  return { t, x: new Float32Array(n), y: new Float32Array(n), z };
}

function run(rec: ReturnType<typeof still>, batch = new FallBatch(features.count, 4)) {
  const stream = new FallStream({ spec: FALL_WINDOW, features });
  const readyAt: number[] = [];
  for (let i = 0; i < rec.t.length; i++) {
    const before = batch.size;
    stream.push(rec.t[i]!, rec.x[i]!, rec.y[i]!, rec.z[i]!, batch);
    if (batch.size > before) readyAt.push(rec.t[i]!);
  }
  stream.finish(batch);
  return { batch, readyAt };
}

describe('FallStream windowing', () => {
  it('[FALL-WINDOW] a quiet stream sends no window to the model (pre-filter)', () => {
    expect(run(still(50, 30)).batch.size).toBe(0);
  });

  it('[FALL-WINDOW] one impact gives one candidate, aligned on its peak and decided 4 s later', () => {
    const { batch, readyAt } = run(still(50, 20, { 7000: 5, 7020: 3 }));
    expect(batch.size).toBe(1);
    expect(batch.peakMs[0]).toBe(7000);
    expect(batch.peakG[0]).toBeCloseTo(5, 5);
    const delay = readyAt[0]! - 7000;
    expect(delay).toBeGreaterThanOrEqual(FALL_WINDOW.postSamples * 50 - 50);
    expect(delay).toBeLessThanOrEqual((FALL_WINDOW.postSamples + FALL_WINDOW.hopSamples) * 50 + 50);
  });

  it('[FALL-WINDOW] impacts 2 s apart are scored separately; one within a hop of a larger one is not', () => {
    const { batch } = run(still(20, 20, { 5000: 3, 7000: 4, 7300: 2 }));
    expect(Array.from(batch.peakMs.subarray(0, batch.size))).toEqual([5000, 7000]);
  });

  it('[FALL-WINDOW] a clipped plateau across two slots still gives exactly one candidate', () => {
    const rec = still(20, 20);
    // find a slot boundary: ticks are every 50 ms from 0 and slots are 10 ticks long
    rec.z[100] = 8;
    rec.z[99] = 8;
    expect(run(rec).batch.size).toBe(1);
  });

  it('[FALL-WINDOW] an impact in the first second of a stream still gets a window', () => {
    expect(run(still(25, 10, { 400: 4 })).batch.size).toBe(1);
  });

  it('[FALL-BATCH] a full batch grows instead of dropping candidates', () => {
    const spikes: Record<number, number> = {};
    for (let s = 2; s < 54; s += 2) spikes[s * 1000] = 3;
    const { batch } = run(still(20, 60, spikes), new FallBatch(features.count, 2));
    expect(batch.size).toBe(Object.keys(spikes).length);
    expect(batch.rows().length).toBe(batch.size * features.count);
    expect(batch.rows().every(Number.isFinite)).toBe(true);
  });
});

describe('FallFeatures', () => {
  it('[FALL-FEATURES] the model input does not change when the watch is worn turned', () => {
    const L = features.length;
    const x = new Float32Array(L);
    const y = new Float32Array(L);
    const z = new Float32Array(L);
    for (let i = 0; i < L; i++) {
      const lying = i > FALL_WINDOW.preSamples;
      x[i] = lying ? 0.9 : 0.1 * Math.sin(i);
      y[i] = lying ? 0.3 : 0.2;
      z[i] = lying ? 0.2 : 0.95;
    }
    z[FALL_WINDOW.preSamples] = 4;
    const a = new Float32Array(features.count);
    features.writeAligned(x, y, z, a, 0);
    // rotate 90° about x then 90° about z: (x, y, z) → (−z, x, −y) … any rotation will do
    const rx = x.map((_, i) => -z[i]!);
    const ry = x.map((_, i) => x[i]!);
    const rz = x.map((_, i) => -y[i]!);
    const b = new Float32Array(features.count);
    features.writeAligned(rx, ry, rz, b, 0);
    for (let f = 0; f < features.count; f++) expect(b[f]).toBeCloseTo(a[f]!, 4);
  });
});
