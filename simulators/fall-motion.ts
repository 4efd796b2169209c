/**
 * Physics-style generator of wrist accelerometer recordings: falls (forward, backward,
 * lateral) and daily activities, at any sampling rate from 10 to 200 Hz.
 *
 * The wrist is modelled as a rigid body with a world-frame linear acceleration and an
 * orientation (roll, pitch, yaw). The watch measures specific force in its own frame,
 * s = Rᵀ(a + ẑ) in g, so lying still reads 1 g in some direction, free fall reads ~0 and an
 * impact reads a short spike. Motion is built on a 400 Hz timeline from segments (poses,
 * gait, impulses, free-fall dips), then sampled like a real watch: jittered timestamps,
 * dropouts, a low-pass of about half the output period, noise, quantisation and range
 * clipping, with the watch mounted in a random orientation on the wrist.
 *
 * It is not a biomechanical model; it gives the fall model (and its tests) many plausible
 * shapes, rates and watch quirks that the 17 recorded volunteers do not cover, including
 * slower, weaker movements of older people (`elderly`).
 *
 * Its parts, one job a file: `-kinds` (what can be asked for and what comes back), `-random`
 * (the seeded draws), `-timeline` (the 400 Hz motion), `-body` (poses and walking),
 * `-falls`, `-activities`, and `-sensor` (the watch reading the timeline).
 */

import { composeAdl } from './fall-motion-activities.js';
import { type Scene, standingPose } from './fall-motion-body.js';
import { composeFall, drawMechanism } from './fall-motion-falls.js';
import {
  type AdlKind,
  FALL_KINDS,
  type FallKind,
  type FallMechanism,
  HELD_OUT,
  type MotionOptions,
  type MotionTrial,
} from './fall-motion-kinds.js';
import { MotionRandom, randomUnit } from './fall-motion-random.js';
import { peakNear, sampleLikeWatch } from './fall-motion-sensor.js';
import { Timeline } from './fall-motion-timeline.js';

// the generator's public face: importers need only this file
export type {
  AdlKind,
  FallKind,
  FallMechanism,
  MotionKind,
  MotionOptions,
  MotionTrial,
} from './fall-motion-kinds.js';
export { ADL_KINDS, FALL_KINDS, FALL_MECHANISMS, HELD_OUT } from './fall-motion-kinds.js';
export { MotionRandom, randomRotation } from './fall-motion-random.js';

/** Composes trials; one instance per seed, no shared state. */
export class FallMotionSimulator {
  private readonly rng: MotionRandom;

  constructor(seed: number) {
    this.rng = new MotionRandom(seed);
  }

  generate(opts: MotionOptions): MotionTrial {
    const rng = this.rng;
    const elderly = opts.elderly ?? false;
    const dur = opts.durationS ?? 15;
    const tl = new Timeline(dur);
    // older people: slower (time stretch), weaker (lower peaks), tremor
    const slow = elderly ? rng.banded(1.2, 1.8, HELD_OUT.elderlySlow, opts.heldOut) : rng.range(0.9, 1.1);
    const gain = elderly ? rng.range(0.5, 0.85) : rng.range(0.85, 1.15);
    const scene: Scene = { rng, tl, dur, slow, gain, elderly, heldOut: opts.heldOut };
    const stand = standingPose(rng);
    tl.poseTo(0, 0, stand);
    let impactS: number | null = null;
    let recovered = false;
    let mechanism: FallMechanism | null = null;
    if ((FALL_KINDS as readonly string[]).includes(opts.kind)) {
      mechanism = opts.mechanism ?? drawMechanism(rng, elderly);
      const r = composeFall(scene, opts.kind as FallKind, stand, mechanism);
      impactS = r.impactS;
      recovered = r.recovered;
    } else {
      composeAdl(scene, opts.kind as AdlKind, stand);
    }
    if (elderly) tl.shake(0, dur, randomUnit(rng), rng.range(0.005, 0.03), rng.range(4, 6.5));
    tl.addArmDynamics();
    const s = sampleLikeWatch(tl, opts, rng);
    return {
      label: impactS === null ? 'adl' : 'fall',
      activity: opts.kind,
      rateHz: opts.rateHz,
      elderly,
      ...s,
      impactMs: impactS === null ? null : peakNear(s.tMs, s.x, s.y, s.z, impactS * 1000),
      recovered,
      mechanism,
    };
  }
}
