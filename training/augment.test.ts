import { describe, expect, it } from 'vitest';
import { MotionRandom } from '../simulators/fall-motion.js';
import { type Recording, watchTransforms } from './augment.js';

/** 2 s at 20 Hz of a wrist swinging: x a sine, z gravity. */
function swing(): Recording {
  const n = 40;
  const r: Recording = {
    tMs: new Float64Array(n),
    x: new Float32Array(n),
    y: new Float32Array(n),
    z: new Float32Array(n),
  };
  for (let i = 0; i < n; i++) {
    r.tMs[i] = i * 50;
    r.x[i] = 0.5 * Math.sin(i / 3);
    r.z[i] = 1;
  }
  return r;
}

const mag = (r: Recording, i: number) => Math.hypot(r.x[i]!, r.y[i]!, r.z[i]!);

describe('watchTransforms.tail', () => {
  it('[FALL-AUGMENT] a recording goes on after its end at its own rate: held, at rest or mirrored', () => {
    const r = swing();
    const rng = new MotionRandom(3);
    for (const mode of ['hold', 'rest', 'mirror'] as const) {
      const t = watchTransforms.tail(r, mode, 3, 0, rng);
      expect(t.tMs.length).toBe(40 + 60);
      expect(Array.from(t.x.subarray(0, 40))).toEqual(Array.from(r.x)); // the recording itself is kept
      for (let i = 40; i < t.tMs.length; i++) expect(t.tMs[i]! - t.tMs[i - 1]!).toBeCloseTo(50, 6);
    }
    const hold = watchTransforms.tail(r, 'hold', 3, 0, rng);
    for (let i = 40; i < 100; i++) expect(hold.x[i]).toBe(r.x[39]); // the last reading, repeated exactly
    const rest = watchTransforms.tail(r, 'rest', 3, 0, rng);
    for (let i = 40; i < 100; i++) expect(mag(rest, i)).toBeCloseTo(1, 5); // a still wrist reads 1 g
    const mirror = watchTransforms.tail(r, 'mirror', 3, 0, rng);
    expect(mirror.x[40]).toBe(r.x[38]); // continuous at the seam: the activity played backwards
    expect(mirror.x[40 + 38]).toBe(r.x[0]);
    expect(mirror.x[40 + 39]).toBe(r.x[1]);
  });
});
