import type { MotionOptions } from './fall-motion-kinds.js';
import { type MotionRandom, randomRotation } from './fall-motion-random.js';
import { FI, type Timeline } from './fall-motion-timeline.js';

/**
 * The watch that reads the timeline: its timing, losses, filter, noise, converter and the way
 * it sits on the wrist; and where the sampled impact lies.
 */

/** Reads the timeline like a watch: jitter, dropouts, low-pass, noise, quantisation, clipping. */
export function sampleLikeWatch(
  tl: Timeline,
  opts: MotionOptions,
  rng: MotionRandom,
): { tMs: Float64Array; x: Float32Array; y: Float32Array; z: Float32Array } {
  const rate = opts.rateHz;
  const range = opts.rangeG ?? 8;
  const noise = opts.noiseG ?? 0.01;
  const jitter = opts.jitter ?? 0.1;
  const dropout = opts.dropout ?? 0.01;
  const lsb = (2 * range) / 4096; // 12-bit converter
  const mount = opts.randomMount === false ? identity() : randomRotation(rng);
  const total = Math.floor(tl.durationS * rate);
  const tMs = new Float64Array(total);
  const x = new Float32Array(total);
  const y = new Float32Array(total);
  const z = new Float32Array(total);
  const half = Math.max(0, Math.floor((0.25 * FI) / rate)); // low-pass of ~half a period
  const v = new Float64Array(3);
  let n = 0;
  let lost = 0;
  for (let k = 0; k < total; k++) {
    if (lost > 0) {
      lost--;
      continue;
    }
    if (k > 0 && rng.next() < dropout / 3) {
      lost = Math.floor(rng.range(1, 5)); // burst of ~3 samples
      continue;
    }
    const t = (k + (k > 0 ? jitter * rng.range(-0.5, 0.5) : 0)) / rate;
    const c = Math.min(tl.n - 1, Math.round(t * FI));
    let sx = 0;
    let sy = 0;
    let sz = 0;
    let cnt = 0;
    for (let j = Math.max(0, c - half); j <= Math.min(tl.n - 1, c + half); j++) {
      tl.read(j, v);
      sx += v[0]!;
      sy += v[1]!;
      sz += v[2]!;
      cnt++;
    }
    sx /= cnt;
    sy /= cnt;
    sz /= cnt;
    const mx = mount[0]! * sx + mount[1]! * sy + mount[2]! * sz;
    const my = mount[3]! * sx + mount[4]! * sy + mount[5]! * sz;
    const mz = mount[6]! * sx + mount[7]! * sy + mount[8]! * sz;
    tMs[n] = Math.round(t * 1000 * 10) / 10;
    x[n] = quantise(mx + noise * rng.gauss(), lsb, range);
    y[n] = quantise(my + noise * rng.gauss(), lsb, range);
    z[n] = quantise(mz + noise * rng.gauss(), lsb, range);
    n++;
  }
  return { tMs: tMs.slice(0, n), x: x.slice(0, n), y: y.slice(0, n), z: z.slice(0, n) };
}

/** Time of the largest magnitude within ±0.3 s of `nearMs` (the sampled impact). */
export function peakNear(
  tMs: Float64Array,
  x: Float32Array,
  y: Float32Array,
  z: Float32Array,
  nearMs: number,
): number {
  let best = nearMs;
  let bestM = -1;
  for (let i = 0; i < tMs.length; i++) {
    if (Math.abs(tMs[i]! - nearMs) > 300) continue;
    const m = x[i]! * x[i]! + y[i]! * y[i]! + z[i]! * z[i]!;
    if (m > bestM) {
      bestM = m;
      best = tMs[i]!;
    }
  }
  return best;
}

function quantise(v: number, lsb: number, range: number): number {
  return Math.max(-range, Math.min(range, Math.round(v / lsb) * lsb));
}

function identity(): number[] {
  return [1, 0, 0, 0, 1, 0, 0, 0, 1];
}
