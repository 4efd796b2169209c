import type { Recording } from '../inference/fall/trial-scan.js';
import { type MotionRandom, randomRotation } from '../simulators/fall-motion.js';

export type { Recording };

/**
 * What real watches do differently from the recorded SensorTag: how they sit on the wrist,
 * their rate and range, their noise, and the slower, weaker movements of older wearers.
 * Every transform returns a new recording.
 */
export const watchTransforms = {
  /** Wearing the watch in another orientation: one fixed rotation. */
  rotate(r: Recording, rng: MotionRandom): Recording {
    const m = randomRotation(rng);
    const n = r.tMs.length;
    const out = blank(r.tMs.slice(), n);
    for (let i = 0; i < n; i++) {
      const x = r.x[i]!;
      const y = r.y[i]!;
      const z = r.z[i]!;
      out.x[i] = m[0]! * x + m[1]! * y + m[2]! * z;
      out.y[i] = m[3]! * x + m[4]! * y + m[5]! * z;
      out.z[i] = m[6]! * x + m[7]! * y + m[8]! * z;
    }
    return out;
  },

  /** Another sampling rate, with jittered timestamps (linear interpolation of the source). */
  toRate(r: Recording, rateHz: number, jitter: number, rng: MotionRandom): Recording {
    const t0 = r.tMs[0]!;
    const span = r.tMs[r.tMs.length - 1]! - t0;
    const n = Math.max(1, Math.floor((span * rateHz) / 1000));
    const out = blank(new Float64Array(n), n);
    let j = 0;
    for (let i = 0; i < n; i++) {
      const t = t0 + ((i + (i > 0 ? jitter * rng.range(-0.5, 0.5) : 0)) * 1000) / rateHz;
      while (j < r.tMs.length - 2 && r.tMs[j + 1]! <= t) j++;
      const ta = r.tMs[j]!;
      const tb = r.tMs[j + 1] ?? ta;
      const f = tb > ta ? Math.max(0, Math.min(1, (t - ta) / (tb - ta))) : 0;
      out.tMs[i] = Math.round((t - t0) * 10) / 10;
      out.x[i] = lerp(r.x[j]!, r.x[j + 1] ?? r.x[j]!, f);
      out.y[i] = lerp(r.y[j]!, r.y[j + 1] ?? r.y[j]!, f);
      out.z[i] = lerp(r.z[j]!, r.z[j + 1] ?? r.z[j]!, f);
    }
    return out;
  },

  /** Slower movement: the same motion played `factor` times longer. */
  stretch(r: Recording, factor: number): Recording {
    const out = blank(
      r.tMs.map((t) => t * factor),
      r.tMs.length,
    );
    out.x.set(r.x);
    out.y.set(r.y);
    out.z.set(r.z);
    return out;
  },

  /**
   * Weaker movement: the dynamic part (the signal minus its 1 s moving average, which holds
   * gravity) scaled by `k` < 1; orientation stays.
   */
  soften(r: Recording, k: number): Recording {
    const n = r.tMs.length;
    const out = blank(r.tMs.slice(), n);
    let a = 0;
    let b = 0;
    let sx = 0;
    let sy = 0;
    let sz = 0;
    for (let i = 0; i < n; i++) {
      const t = r.tMs[i]!;
      while (b < n && r.tMs[b]! <= t + 500) {
        sx += r.x[b]!;
        sy += r.y[b]!;
        sz += r.z[b]!;
        b++;
      }
      while (r.tMs[a]! < t - 500) {
        sx -= r.x[a]!;
        sy -= r.y[a]!;
        sz -= r.z[a]!;
        a++;
      }
      const c = b - a;
      const gx = sx / c;
      const gy = sy / c;
      const gz = sz / c;
      out.x[i] = gx + k * (r.x[i]! - gx);
      out.y[i] = gy + k * (r.y[i]! - gy);
      out.z[i] = gz + k * (r.z[i]! - gz);
    }
    return out;
  },

  /** Sensor range: every axis clipped to ±rangeG. */
  clip(r: Recording, rangeG: number): Recording {
    const c = (v: number) => Math.max(-rangeG, Math.min(rangeG, v));
    const out = blank(r.tMs.slice(), r.tMs.length);
    for (let i = 0; i < r.tMs.length; i++) {
      out.x[i] = c(r.x[i]!);
      out.y[i] = c(r.y[i]!);
      out.z[i] = c(r.z[i]!);
    }
    return out;
  },

  /**
   * What happens after a recording ends (recordings stop where life goes on): `seconds` more
   * of `hold` (the last sample repeated exactly, as a watch reporting a frozen or quantised
   * still wrist), `rest` (the wrist at rest in its last orientation: the last 0.5 s mean
   * direction at 1 g plus `sigmaG` tremor) or `mirror` (the activity goes on: the last
   * `seconds` played backwards, continuous at the seam). Samples keep the mean interval.
   */
  tail(r: Recording, mode: TailMode, seconds: number, sigmaG: number, rng: MotionRandom): Recording {
    const n = r.tMs.length;
    if (n < 2 || seconds <= 0) return r;
    const dt = (r.tMs[n - 1]! - r.tMs[0]!) / (n - 1);
    const extra = Math.max(1, Math.round((seconds * 1000) / dt));
    const out = blank(new Float64Array(n + extra), n + extra);
    out.tMs.set(r.tMs);
    out.x.set(r.x);
    out.y.set(r.y);
    out.z.set(r.z);
    let mx = 0;
    let my = 0;
    let mz = 0;
    for (let i = n - 1; i >= 0 && r.tMs[i]! >= r.tMs[n - 1]! - 500; i--) {
      mx += r.x[i]!;
      my += r.y[i]!;
      mz += r.z[i]!;
    }
    const norm = Math.hypot(mx, my, mz) || 1;
    for (let k = 0; k < extra; k++) {
      const i = n + k;
      out.tMs[i] = r.tMs[n - 1]! + (k + 1) * dt;
      if (mode === 'hold') {
        out.x[i] = r.x[n - 1]!;
        out.y[i] = r.y[n - 1]!;
        out.z[i] = r.z[n - 1]!;
      } else if (mode === 'rest') {
        out.x[i] = mx / norm + sigmaG * rng.gauss();
        out.y[i] = my / norm + sigmaG * rng.gauss();
        out.z[i] = mz / norm + sigmaG * rng.gauss();
      } else {
        // reflect back and forth through the recording
        const period = 2 * (n - 1);
        const q = (k + 1) % period;
        const j = q < n ? n - 1 - q : q - (n - 1);
        out.x[i] = r.x[j]!;
        out.y[i] = r.y[j]!;
        out.z[i] = r.z[j]!;
      }
    }
    return out;
  },

  /** White sensor noise of `sigmaG` per axis. */
  noise(r: Recording, sigmaG: number, rng: MotionRandom): Recording {
    const out = blank(r.tMs.slice(), r.tMs.length);
    for (let i = 0; i < r.tMs.length; i++) {
      out.x[i] = r.x[i]! + sigmaG * rng.gauss();
      out.y[i] = r.y[i]! + sigmaG * rng.gauss();
      out.z[i] = r.z[i]! + sigmaG * rng.gauss();
    }
    return out;
  },
};

function blank(tMs: Float64Array, n: number): Recording {
  return { tMs, x: new Float32Array(n), y: new Float32Array(n), z: new Float32Array(n) };
}

function lerp(a: number, b: number, f: number): number {
  return a + f * (b - a);
}

export type TailMode = 'hold' | 'rest' | 'mirror';

export interface WatchProfile {
  rotate: boolean;
  /** What follows the recording's end (null: nothing, it ends as recorded). */
  tail: { mode: TailMode; seconds: number; sigmaG: number } | null;
  rateHz: number | null;
  stretch: number;
  soften: number;
  rangeG: number;
  noiseG: number;
}

/** Draws what one "other watch on another wearer" does to a recording. */
export function drawWatchProfile(rng: MotionRandom): WatchProfile {
  const u = rng.next();
  const mode: TailMode | null = u < 0.25 ? 'hold' : u < 0.5 ? 'rest' : u < 0.75 ? 'mirror' : null;
  const tail = mode === null ? null : { mode, seconds: rng.range(4, 8), sigmaG: rng.range(0, 0.02) };
  return {
    rotate: true,
    tail,
    rateHz: rng.pick([null, 12.5, 25, 25, 30, 40, 50, 50, 100]),
    stretch: rng.next() < 0.4 ? rng.range(1.1, 1.5) : 1,
    soften: rng.next() < 0.4 ? rng.range(0.55, 0.9) : 1,
    rangeG: rng.pick([4, 8, 8, 16]),
    noiseG: rng.range(0, 0.03),
  };
}

export function applyWatchProfile(r: Recording, p: WatchProfile, rng: MotionRandom): Recording {
  let out = r;
  if (p.stretch !== 1) out = watchTransforms.stretch(out, p.stretch);
  if (p.soften !== 1) out = watchTransforms.soften(out, p.soften);
  if (p.tail !== null) out = watchTransforms.tail(out, p.tail.mode, p.tail.seconds, p.tail.sigmaG, rng);
  if (p.rotate) out = watchTransforms.rotate(out, rng);
  if (p.rateHz !== null) out = watchTransforms.toRate(out, p.rateHz, 0.15, rng);
  if (p.noiseG > 0) out = watchTransforms.noise(out, p.noiseG, rng);
  return watchTransforms.clip(out, p.rangeG);
}
