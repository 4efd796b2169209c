import { lapPose, type Scene, walk } from './fall-motion-body.js';
import { type FallKind, type FallMechanism, HELD_OUT } from './fall-motion-kinds.js';
import { horizontal, type MotionRandom, randomUnit } from './fall-motion-random.js';
import type { Pose } from './fall-motion-timeline.js';

/**
 * Falls: how one happens (a trip, a slow slide, meeting furniture), the descent and contacts,
 * and what follows (a long lie, struggling, getting up).
 */

export function drawMechanism(rng: MotionRandom, elderly: boolean): FallMechanism {
  const u = rng.next();
  // people over 75 collapse or slide down, or meet furniture, about as often as they trip
  if (elderly) return u < 0.4 ? 'trip' : u < 0.75 ? 'slide' : 'furniture';
  return u < 0.8 ? 'trip' : u < 0.92 ? 'slide' : 'furniture';
}

/** Where a fall ends: lying on the side (lateral) or on the front or back. */
function lyingAfter(rng: MotionRandom, kind: FallKind, end: Pose): Pose {
  const turn = rng.range(0.7, 2.2);
  return kind === 'fall_lateral'
    ? {
        roll: end.roll + rng.sign() * turn,
        pitch: end.pitch + rng.range(-0.6, 0.6),
        yaw: end.yaw + rng.range(-0.5, 0.5),
      }
    : {
        roll: end.roll + rng.range(-0.8, 0.8),
        pitch: end.pitch + (kind === 'fall_forward' ? turn : -turn),
        yaw: end.yaw + rng.range(-0.8, 0.8),
      };
}

/** Slumped sitting on the floor against a wall or furniture, a hand beside or in the lap. */
function floorSitPose(rng: MotionRandom, yaw: number): Pose {
  return { roll: rng.range(-1, 1), pitch: rng.range(-1.2, 0.4), yaw: yaw + rng.range(-1, 1) };
}

function between(a: Pose, b: Pose, w: number): Pose {
  return {
    roll: a.roll + w * (b.roll - a.roll),
    pitch: a.pitch + w * (b.pitch - a.pitch),
    yaw: a.yaw + w * (b.yaw - a.yaw),
  };
}

/** A body contact as the wrist feels it: mostly upward, partly sideways, peak ≈ `peakG`. */
function contact(c: Scene, t: number, peakG: number, width: number, ringHz: number): void {
  const h = horizontal(c.rng);
  const side = c.rng.range(0, 1);
  const dir = [h[0] * side, h[1] * side, 1];
  const nd = Math.hypot(dir[0]!, dir[1]!, dir[2]!);
  c.tl.impulse(
    t,
    Math.max(0.05, peakG - 1),
    width,
    dir.map((v) => v / nd),
    ringHz,
  );
}

export function composeFall(
  c: Scene,
  kind: FallKind,
  stand: Pose,
  mech: FallMechanism,
): { impactS: number; recovered: boolean } {
  const { tl, rng, dur, gain, elderly } = c;
  const t0 = rng.range(2, Math.max(2.5, dur * 0.4));
  // pre-fall: standing, walking, or getting up from a chair
  const pre = rng.next();
  if (pre < 0.45) {
    walk(c, rng.range(0, 1), t0 - 0.1);
  } else if (pre < 0.75) {
    tl.fidget(rng, 0, t0, 0.05 * gain, 0.2);
  } else {
    tl.poseTo(0, 0, lapPose(rng, stand.yaw));
    tl.poseTo(t0 - 1.4 * c.slow, 1.2 * c.slow, stand);
    tl.lower(t0 - 1.4 * c.slow, 1.2 * c.slow, -gain * rng.range(0.1, 0.25));
  }
  // loss of balance (a slide starts gently), then the descent
  const lob = mech === 'slide' ? rng.range(0.2, 0.8) : rng.range(0.1, 0.5);
  tl.shake(t0, t0 + lob, horizontal(rng), rng.range(0.1, 0.4) * (mech === 'slide' ? 0.5 : 1), 1 / (2 * lob));
  const fs = t0 + lob;
  const end = tl.pose(fs);
  const lying = lyingAfter(rng, kind, end);
  // protective reaction: arms reach out; weaker and rarer in older people
  const reach = (from: number, d: number): void => {
    if (rng.next() < (elderly ? 0.35 : 0.6))
      tl.shake(
        from,
        from + d,
        horizontal(rng),
        rng.range(0.2, 1.0) * gain * (elderly ? 0.5 : 1),
        1 / (2 * d),
      );
  };
  let ti: number;
  if (mech === 'trip') {
    const fallDur = elderly ? rng.range(0.5, 1.1) : rng.range(0.4, 0.9);
    tl.dip(fs, fallDur, elderly ? rng.range(0.15, 0.7) : rng.range(0.3, 0.95));
    tl.poseTo(fs, fallDur, lying);
    reach(fs, fallDur);
    ti = fs + fallDur;
    const peak = elderly ? rng.logRange(1.8, 5) : rng.logRange(2.5, 15);
    contact(c, ti, peak, rng.range(0.02, 0.06), rng.range(6, 15));
    if (rng.next() < 0.6)
      tl.impulse(ti + rng.range(0.1, 0.4), (peak - 1) * rng.range(0.15, 0.5), 0.04, randomUnit(rng));
  } else if (mech === 'slide') {
    // the legs give way or the body slides down a wall or off a chair: a long, shallow loss of
    // support, the forearm turning all the way down, a soft landing on the buttocks or side
    const d = rng.banded(0.9, 2.6, HELD_OUT.slideDescentS, c.heldOut);
    tl.dip(fs, d, rng.range(0.05, 0.3));
    if (rng.next() < 0.5)
      tl.impulse(fs + d * rng.range(0.4, 0.7), rng.range(0.1, 0.4), 0.05, randomUnit(rng), rng.range(5, 10)); // a knee first
    tl.poseTo(fs, d * rng.range(0.9, 1.2), rng.next() < 0.35 ? floorSitPose(rng, end.yaw) : lying);
    reach(fs + d * 0.3, d * 0.6);
    ti = fs + d;
    contact(c, ti, rng.logRange(1.5, 3), rng.range(0.04, 0.1), rng.range(4, 10));
  } else {
    // an incomplete fall: the body meets a chair, bed or table edge on the way down
    const d1 = rng.range(0.3, 0.7) * (elderly ? 1.3 : 1);
    tl.dip(fs, d1, rng.range(0.2, 0.6));
    tl.poseTo(fs, d1, between(end, lying, rng.range(0.3, 0.7)));
    reach(fs, d1);
    const c1 = fs + d1;
    if (rng.next() < 0.55) {
      // then slides or drops from it to the floor
      const p1 = rng.logRange(1.3, 2.2);
      tl.impulse(c1, p1 - 1, rng.range(0.03, 0.07), randomUnit(rng), rng.range(6, 12));
      const pause = rng.range(0.2, 1.2);
      const d2 = rng.range(0.3, 0.8);
      tl.dip(c1 + pause, d2, rng.range(0.15, 0.5));
      tl.poseTo(c1 + pause, d2, lying);
      ti = c1 + pause + d2;
      contact(
        c,
        ti,
        Math.max(p1 + 0.4, rng.logRange(1.6, elderly ? 3.5 : 6)),
        rng.range(0.03, 0.08),
        rng.range(5, 12),
      );
    } else {
      // and stays half on it: slumped across the seat or the bed's edge
      ti = c1;
      contact(c, ti, rng.logRange(1.5, 3.2), rng.range(0.03, 0.08), rng.range(5, 12));
    }
  }
  // a living person fidgets until the fall; afterwards see below
  tl.fidget(rng, 0, ti, 0.03, 0.08);
  // after the impact: a long lie (older people often cannot get up), struggling, or getting up
  const after = rng.next();
  let recovered = false;
  if (after < (elderly ? 0.65 : 0.55)) {
    tl.fidget(rng, ti + 0.3, dur, rng.range(0.008, 0.03), rng.range(0.02, 0.08));
  } else if (after < (elderly ? 0.9 : 0.8)) {
    tl.fidget(rng, ti + 0.3, dur, 0.015, 0.04);
    const s = ti + rng.range(0.5, 2) * c.slow;
    const e = s + rng.range(1, 4);
    tl.fidget(rng, s, e, rng.range(0.1, 0.35) * gain, rng.range(0.2, 0.5));
  } else {
    tl.fidget(rng, ti + 0.3, dur, 0.02, 0.05);
    const u = ti + (elderly ? rng.range(3, 8) : rng.range(1.5, 6));
    const d = rng.range(2, 4) * c.slow;
    if (u + d < dur) {
      recovered = true;
      tl.fidget(rng, u, u + d, 0.25 * gain, 0.4);
      tl.lower(u, d, -rng.range(0.1, 0.3));
      tl.poseTo(u, d, stand);
      walk(c, u + d + 0.5, dur);
    }
  }
  return { impactS: ti, recovered };
}
