import { gait, lapPose, lyingPose, type Scene, walk } from './fall-motion-body.js';
import type { AdlKind } from './fall-motion-kinds.js';
import { horizontal, randomUnit } from './fall-motion-random.js';
import { type Pose, UP } from './fall-motion-timeline.js';

/**
 * Daily activities: the movements the fall model must not mistake for falls, each composed
 * on the timeline from the same segments as a fall.
 */

export function composeAdl(c: Scene, kind: AdlKind, stand: Pose): void {
  const { tl, rng, dur, slow, gain } = c;
  const yaw = stand.yaw;
  tl.fidget(rng, 0, dur, 0.03 * gain, 0.08);
  switch (kind) {
    case 'standing':
      tl.fidget(rng, 0, dur, 0.06 * gain, 0.2);
      break;
    case 'walking': {
      const a = rng.range(0, 2);
      const b = dur - rng.range(0, 2);
      walk(c, a, b);
      if (rng.next() < 0.5) tl.swing(a + (b - a) / 2, a + (b - a) / 2 + 1.5 * slow, 'yaw', 1.2, 0.3); // turn
      break;
    }
    case 'jogging': {
      const a = rng.range(0, 2);
      const b = dur - rng.range(0, 2);
      tl.poseTo(a - 0.5, 0.5, { ...stand, pitch: rng.range(-0.6, 0.2) }); // elbows bent
      const hz = rng.range(2.3, 3.0) / (c.elderly ? 1.2 : 1);
      gait(c, a, b, {
        hz,
        bounce: gain * rng.range(0.4, 0.9),
        strike: gain * rng.range(2, 5),
        swing: gain * rng.range(0.4, 0.8),
      });
      tl.poseTo(b, 0.5, stand);
      break;
    }
    case 'stairs_up':
    case 'stairs_down': {
      const a = rng.range(0, 2);
      const b = dur - rng.range(0, 2);
      const down = kind === 'stairs_down';
      gait(c, a, b, {
        hz: rng.range(1.1, 1.7) / slow,
        bounce: gain * rng.range(0.2, 0.45),
        strike: gain * (down ? rng.range(0.4, 1.4) : rng.range(0.15, 0.5)),
        swing: gain * rng.range(0.05, 0.3),
      });
      if (rng.next() < 0.5) tl.poseTo(a, 0.6, { ...stand, pitch: rng.range(-0.4, 0.2) }); // hand on the rail
      break;
    }
    case 'sitting_down':
    case 'sitting_heavily': {
      // walk up, turn to back into the chair (hands often on the armrests, more so in older
      // people), lower; sitting heavily lets the last part go and drops into the seat. The
      // trunk stays upright: the forearm ends on the lap or the armrest, never lying.
      const heavy = kind === 'sitting_heavily';
      const t = rng.range(1.5, Math.max(2, dur * 0.4));
      walk(c, 0, t - 1.2 * slow);
      const seatYaw = yaw + rng.sign() * rng.range(2.2, 3.6);
      tl.swing(t - 1.1 * slow, t, 'yaw', 0.3, 0.5 / slow); // the turn, felt as a swing
      const armrest = rng.next() < (c.elderly ? 0.6 : 0.3);
      const seat: Pose = armrest
        ? { roll: rng.range(-0.5, 0.5), pitch: rng.range(-0.5, 0.15), yaw: seatYaw }
        : lapPose(rng, seatYaw);
      const d = (heavy ? rng.range(0.5, 0.9) : rng.range(0.9, 1.6)) * slow;
      if (armrest) tl.poseTo(t - 0.6 * slow, 0.5 * slow, seat);
      else tl.poseTo(t, d, seat);
      tl.lower(t, d, gain * rng.range(0.1, 0.3));
      if (heavy) tl.dip(t + d * 0.4, d * 0.5, rng.range(0.2, 0.6));
      tl.impulse(
        t + d * 0.9,
        gain * (heavy ? rng.range(0.6, 2.2) : rng.range(0.2, 0.8)),
        rng.range(0.03, 0.07),
        UP,
        rng.range(6, 12),
      );
      // settling: leaning back, the hands moving to the lap
      const settle = t + d + rng.range(0.2, 1.5);
      tl.poseTo(settle, rng.range(0.5, 1.5) * slow, {
        roll: seat.roll + rng.range(-0.4, 0.4),
        pitch: seat.pitch + rng.range(-0.3, 0.3),
        yaw: seatYaw,
      });
      let upAt = dur;
      if (rng.next() < 0.4) {
        const u = rng.range(t + d + 3, dur - 1);
        if (u + 1.5 * slow < dur) {
          upAt = u;
          tl.lower(u, 1.3 * slow, -gain * rng.range(0.1, 0.3));
          tl.poseTo(u, 1.2 * slow, stand);
        }
      }
      tl.fidget(rng, t + d, upAt, rng.range(0.015, 0.05) * gain, rng.range(0.05, 0.2));
      break;
    }
    case 'lying_on_bed': {
      const t = rng.range(1, dur * 0.35);
      const d = rng.range(0.8, 1.4) * slow;
      tl.lower(t, d, gain * rng.range(0.1, 0.25));
      tl.poseTo(t, d, lapPose(rng, yaw));
      tl.impulse(t + d * 0.9, gain * rng.range(0.2, 0.8), 0.05, UP);
      const l = t + d + rng.range(0.5, 2) * slow;
      const ld = rng.range(0.8, 2.2) * slow;
      lieDown(c, l, ld, yaw, { at: 0.85, peak: [0.5, 2.5], width: [0.03, 0.08], ringHz: [5, 10] });
      tl.fidget(rng, l + ld, dur, 0.03 * gain, 0.1);
      break;
    }
    case 'clapping': {
      const a = rng.range(1, 4);
      const b = Math.min(dur - 0.5, a + rng.range(3, 9));
      tl.poseTo(a - 0.7, 0.6, { roll: rng.sign() * rng.range(1.0, 1.7), pitch: rng.range(-0.3, 0.5), yaw });
      const hz = rng.range(1.8, 4) / (c.elderly ? 1.3 : 1);
      const side = horizontal(rng);
      tl.shake(a, b, side, gain * rng.range(0.4, 1.2), hz);
      const peak = gain * rng.range(3, 12);
      for (let t = a + 0.2; t < b; t += (1 / hz) * rng.range(0.95, 1.05)) {
        tl.impulse(t, peak * rng.range(0.7, 1.2), rng.range(0.008, 0.02), side, rng.range(15, 30));
      }
      tl.poseTo(b, 0.7, stand);
      break;
    }
    case 'hand_waving': {
      const a = rng.range(1, 4);
      const b = Math.min(dur - 1, a + rng.range(2, 7));
      tl.poseTo(a - 0.8 * slow, 0.8 * slow, { roll: rng.range(-0.5, 0.5), pitch: rng.range(1.0, 1.6), yaw });
      const hz = rng.range(1.2, 3) / slow;
      tl.swing(a, b, 'roll', gain * rng.range(0.3, 0.8), hz);
      tl.shake(a, b, horizontal(rng), gain * rng.range(0.3, 1.5), hz);
      tl.poseTo(b, 0.8 * slow, stand);
      break;
    }
    case 'picking_up': {
      const t = rng.range(1, dur * 0.5);
      const d = rng.range(0.8, 1.5) * slow;
      walk(c, 0, t - 0.5);
      tl.lower(t, d, gain * rng.range(0.1, 0.3));
      tl.poseTo(t, d, { roll: rng.range(-1, 1), pitch: rng.range(-1.6, -0.6), yaw: yaw + rng.range(-1, 1) });
      const u = t + d + rng.range(0.5, 2) * slow;
      tl.impulse(t + d, gain * rng.range(0.1, 0.6), 0.04, randomUnit(rng));
      tl.lower(u, d, -gain * rng.range(0.1, 0.3));
      tl.poseTo(u, d, stand);
      walk(c, u + d + 0.5, dur);
      break;
    }
    case 'hopping': {
      const a = rng.range(1, 3);
      const b = Math.min(dur - 0.5, a + rng.range(3, 8));
      const hz = rng.range(1.5, 2.6) / (c.elderly ? 1.3 : 1);
      const flight = Math.min(0.6 / hz, rng.range(0.15, 0.35));
      tl.swing(a, b, 'pitch', gain * rng.range(0.03, 0.15), hz);
      for (let t = a; t + 1 / hz < b; t += 1 / hz) {
        tl.impulse(t, gain * rng.range(0.8, 1.8), 0.05, UP, 6); // push-off
        tl.dip(t + 0.06, flight, rng.range(0.75, 0.95)); // ballistic: almost no specific force
        tl.impulse(
          t + 0.06 + flight + 0.03,
          gain * rng.range(1.8, 5.5),
          rng.range(0.025, 0.05),
          UP,
          rng.range(8, 16),
        );
      }
      break;
    }
    case 'making_call': {
      const a = rng.range(1, 5);
      const d = rng.range(0.7, 1.3) * slow;
      const hold = rng.range(3, 8);
      tl.poseTo(a, d, {
        roll: rng.range(-1.8, 1.8),
        pitch: rng.range(0.6, 1.5),
        yaw: yaw + rng.range(-1, 1),
      });
      tl.fidget(rng, a + d, a + d + hold, 0.03, 0.1);
      tl.poseTo(a + d + hold, d, stand);
      break;
    }
    case 'opening_door': {
      const a = rng.range(2, 5);
      walk(c, 0, a - 0.3);
      tl.poseTo(a - 0.5, 0.6 * slow, { roll: rng.range(-0.5, 0.5), pitch: rng.range(-0.3, 0.3), yaw });
      tl.swing(a + 0.3, a + 0.3 + 0.8 * slow, 'roll', rng.range(0.6, 1.2), 0.6 / slow);
      tl.shake(a + 1, a + 1 + slow, horizontal(rng), gain * rng.range(0.15, 0.4), 0.7);
      tl.poseTo(a + 1.5 + slow, 0.6, stand);
      walk(c, a + 2 + slow, Math.min(dur, a + 6 + slow));
      break;
    }
    case 'table_bump': {
      // sitting at a table, the hand knocks against it or puts a cup down hard
      tl.poseTo(0, 0, lapPose(rng, yaw));
      tl.fidget(rng, 0, dur, 0.06 * gain, 0.3);
      const hits = 1 + Math.floor(rng.range(0, 3));
      for (let i = 0; i < hits; i++) {
        tl.impulse(
          rng.range(1, dur - 1),
          gain * rng.range(1.2, 5),
          rng.range(0.01, 0.03),
          randomUnit(rng),
          rng.range(15, 30),
        );
      }
      break;
    }
    case 'walker': {
      // walking with a frame or a rollator: both hands on the handles, forearms near
      // horizontal, no arm swing, short slow steps; a frame is lifted and set down every
      // step or two, a rollator rattles and bumps over door sills
      const a = rng.range(0, 2);
      const b = dur - rng.range(0, 2);
      tl.poseTo(Math.max(0, a - 0.5), 0.5, { roll: rng.range(-0.5, 0.5), pitch: rng.range(-0.6, 0.1), yaw });
      const hz = rng.range(0.6, 1.3) / (c.elderly ? 1 : 0.8);
      gait(c, a, b, {
        hz,
        bounce: gain * rng.range(0.04, 0.15),
        strike: gain * rng.range(0.05, 0.3),
        swing: rng.range(0.01, 0.05),
      });
      if (rng.next() < 0.5) {
        for (let t = a + 0.3; t < b - 0.5; t += (rng.pick([1, 2]) / hz) * rng.range(0.9, 1.1)) {
          tl.swing(t, t + 0.4, 'pitch', rng.range(0.05, 0.2), 1.25);
          tl.impulse(t + 0.4, gain * rng.range(0.3, 1.6), rng.range(0.02, 0.05), UP, rng.range(8, 20));
        }
      } else {
        tl.shake(a, b, UP, rng.range(0.02, 0.08), rng.range(8, 15));
        const bumps = Math.floor(rng.range(0, 3));
        for (let i = 0; i < bumps; i++) {
          tl.impulse(rng.range(a, b), gain * rng.range(0.3, 1.3), rng.range(0.02, 0.05), randomUnit(rng), 12);
        }
      }
      tl.poseTo(b, 0.6, stand);
      break;
    }
    case 'transfer': {
      // a slow transfer: pushing up from a bed or chair with the hands, shuffling round, and
      // lowering into a chair or onto the bed's edge and lying down
      tl.poseTo(0, 0, lapPose(rng, yaw));
      const t = rng.range(1, Math.max(1.5, dur * 0.25));
      const d = rng.range(1.5, 3) * slow;
      tl.poseTo(t - 0.6 * slow, 0.6 * slow, {
        roll: rng.range(-0.5, 0.5),
        pitch: rng.range(-1.3, -0.8),
        yaw,
      });
      tl.lower(t, d, -gain * rng.range(0.08, 0.2));
      tl.poseTo(t + d, 0.8 * slow, stand);
      const p0 = t + d + rng.range(0.5, 1.5);
      const p1 = p0 + rng.range(1.5, 4) * slow;
      gait(c, p0, p1, {
        hz: rng.range(0.8, 1.2),
        bounce: gain * rng.range(0.05, 0.12),
        strike: gain * rng.range(0.05, 0.3),
        swing: rng.range(0.02, 0.08),
      });
      const s = p1 + rng.range(0.2, 1);
      const d2 = rng.range(1.5, 3) * slow;
      tl.lower(s, d2, gain * rng.range(0.08, 0.2));
      tl.poseTo(s, d2, lapPose(rng, yaw));
      tl.impulse(s + d2 * 0.9, gain * rng.range(0.1, 0.6), 0.06, UP, 6);
      let restAt = s + d2;
      if (rng.next() < 0.5) {
        const l = s + d2 + rng.range(0.5, 2) * slow;
        const ld = rng.range(1.5, 3) * slow;
        lieDown(c, l, ld, yaw, { at: 0.9, peak: [0.2, 1.2], width: [0.04, 0.1], ringHz: [4, 8] });
        restAt = l + ld;
      }
      tl.fidget(rng, restAt, dur, rng.range(0.015, 0.04) * gain, rng.range(0.05, 0.15));
      break;
    }
  }
}

/**
 * Lying down onto a bed from sitting, from `l` for `ld` s, facing `yaw`: the forearm turns to a lying pose
 * and meets the mattress (impact drawn from the ranges, `at` of the way through).
 */
function lieDown(
  c: Scene,
  l: number,
  ld: number,
  yaw: number,
  o: { at: number; peak: [number, number]; width: [number, number]; ringHz: [number, number] },
): void {
  const { tl, rng, gain } = c;
  tl.poseTo(l, ld, lyingPose(rng, yaw));
  tl.impulse(
    l + ld * o.at,
    gain * rng.range(o.peak[0], o.peak[1]),
    rng.range(o.width[0], o.width[1]),
    randomUnit(rng),
    rng.range(o.ringHz[0], o.ringHz[1]),
  );
}
