import { describe, expect, it } from 'vitest';
import { FALL_WINDOW } from '../inference/fall/spec.js';
import { MotionRandom, randomRotation } from '../simulators/fall-motion.js';
import { WindowChannels } from './window-channels.js';

/** A window at 20 Hz: standing (z up), a 7 g impact at the peak index, then lying on the side (x up). */
function fallWindow(): { x: Float32Array; y: Float32Array; z: Float32Array } {
  const n = FALL_WINDOW.preSamples + FALL_WINDOW.postSamples;
  const w = { x: new Float32Array(n), y: new Float32Array(n), z: new Float32Array(n) };
  for (let i = 0; i < n; i++) {
    const after = i > FALL_WINDOW.preSamples;
    w.x[i] = after ? 1 : 0.05 * Math.sin(i);
    w.z[i] = after ? 0 : 1;
  }
  w.z[FALL_WINDOW.preSamples] = 7;
  return w;
}

describe('WindowChannels', () => {
  it('[FALL-CHANNELS] gives magnitude (capped at 6 g) and the cosines to the orientations after and before', () => {
    const c = new WindowChannels(FALL_WINDOW);
    const w = fallWindow();
    const out = new Float32Array(c.count);
    c.writeAligned(w.x, w.y, w.z, out, 0);
    const n = c.length;
    const p = FALL_WINDOW.preSamples;
    expect(c.count).toBe(3 * n);
    expect(out[p]).toBeCloseTo(6, 5); // the 7 g impact, capped
    expect(out[n + n - 1]).toBeCloseTo(1, 3); // lying: the resting orientation after
    expect(out[n + 0]).toBeCloseTo(0, 1); // standing is at right angles to it
    expect(out[2 * n + 0]).toBeCloseTo(1, 2); // standing: the orientation before
    expect(out[2 * n + n - 1]).toBeCloseTo(0, 1);
  });

  it('[FALL-CHANNELS] does not depend on how the watch sits on the wrist', () => {
    const c = new WindowChannels(FALL_WINDOW);
    const w = fallWindow();
    const m = randomRotation(new MotionRandom(5));
    const r = {
      x: new Float32Array(w.x.length),
      y: new Float32Array(w.x.length),
      z: new Float32Array(w.x.length),
    };
    for (let i = 0; i < w.x.length; i++) {
      r.x[i] = m[0]! * w.x[i]! + m[1]! * w.y[i]! + m[2]! * w.z[i]!;
      r.y[i] = m[3]! * w.x[i]! + m[4]! * w.y[i]! + m[5]! * w.z[i]!;
      r.z[i] = m[6]! * w.x[i]! + m[7]! * w.y[i]! + m[8]! * w.z[i]!;
    }
    const a = new Float32Array(c.count);
    const b = new Float32Array(c.count);
    c.writeAligned(w.x, w.y, w.z, a, 0);
    c.writeAligned(r.x, r.y, r.z, b, 0);
    for (let i = 0; i < c.count; i++) expect(b[i]).toBeCloseTo(a[i]!, 4);
  });
});
