import { horizontal, type MotionRandom } from './fall-motion-random.js';
import { type Pose, type Timeline, UP } from './fall-motion-timeline.js';

/**
 * What falls and daily activities share: the trial being composed (its timeline, random
 * source and wearer), the body's poses and walking.
 */

/** One trial being composed: the timeline, its random source, its length (s) and the wearer. */
export interface Scene {
  rng: MotionRandom;
  tl: Timeline;
  dur: number;
  slow: number;
  gain: number;
  elderly: boolean;
  heldOut: 'exclude' | 'only' | undefined;
}

export function standingPose(rng: MotionRandom): Pose {
  return { roll: rng.range(-0.4, 0.4), pitch: rng.range(-1.5, -1.0), yaw: rng.range(-Math.PI, Math.PI) };
}

export function lapPose(rng: MotionRandom, yaw: number): Pose {
  return { roll: rng.range(-0.8, 0.8), pitch: rng.range(-0.5, 0.4), yaw };
}

export function lyingPose(rng: MotionRandom, yaw: number): Pose {
  return { roll: rng.sign() * rng.range(0.9, 2.6), pitch: rng.range(-1.3, 1.3), yaw: yaw + rng.range(-1, 1) };
}

/** Walking-like gait from t0 to t1: vertical bounce, heel strikes, arm swing. */
export function gait(
  c: Scene,
  t0: number,
  t1: number,
  o: { hz: number; bounce: number; strike: number; swing: number },
): void {
  const { tl, rng } = c;
  if (t1 - t0 < 0.3) return;
  const fwd = horizontal(rng);
  tl.shake(t0, t1, UP, o.bounce, o.hz, rng.range(0, 6.3));
  tl.shake(t0, t1, UP, o.bounce * 0.3, 2 * o.hz, rng.range(0, 6.3));
  tl.shake(t0, t1, fwd, o.bounce * 0.5, o.hz, rng.range(0, 6.3));
  tl.swing(t0, t1, 'pitch', o.swing, o.hz / 2, rng.range(0, 6.3));
  tl.swing(t0, t1, 'roll', o.swing * 0.3, o.hz / 2, rng.range(0, 6.3));
  const step = 1 / o.hz;
  for (let t = t0 + rng.range(0, step); t < t1; t += step * rng.range(0.93, 1.07)) {
    const dir = [fwd[0] * 0.3, fwd[1] * 0.3, 1];
    tl.impulse(t, o.strike * rng.range(0.7, 1.3), rng.range(0.015, 0.035), dir, rng.range(8, 16));
  }
}

export function walk(c: Scene, t0: number, t1: number): void {
  const e = c.elderly;
  gait(c, t0, t1, {
    hz: e ? c.rng.range(1.1, 1.6) : c.rng.range(1.6, 2.1),
    bounce: c.gain * c.rng.range(0.12, 0.35),
    strike: c.gain * c.rng.range(0.2, 0.9),
    swing: (e ? c.rng.range(0.05, 0.25) : c.rng.range(0.2, 0.5)) * c.gain,
  });
}
