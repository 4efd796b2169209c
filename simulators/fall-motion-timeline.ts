import type { MotionRandom } from './fall-motion-random.js';

/**
 * The world-frame motion of the wrist on a 400 Hz timeline: orientation and linear
 * acceleration, built up from segments (poses, swings, impulses, free-fall dips), then read
 * as specific force in the wrist frame.
 */

export const FI = 400; // internal timeline rate (Hz)
// lever arms turning orientation changes into wrist acceleration: swinging the forearm
// (pitch) moves the wrist on an arc; twisting it (roll) barely moves it
const PITCH_LEVER_M = 0.2;
const ROLL_LEVER_M = 0.05;
const G = 9.80665;

export interface Pose {
  roll: number;
  pitch: number;
  yaw: number;
}

/** The 400 Hz world-frame timeline one trial is composed on. */
export class Timeline {
  readonly n: number;
  readonly ax: Float64Array;
  readonly ay: Float64Array;
  readonly az: Float64Array;
  readonly roll: Float64Array;
  readonly pitch: Float64Array;
  readonly yaw: Float64Array;

  constructor(readonly durationS: number) {
    this.n = Math.ceil(durationS * FI) + 1;
    this.ax = new Float64Array(this.n);
    this.ay = new Float64Array(this.n);
    this.az = new Float64Array(this.n);
    this.roll = new Float64Array(this.n);
    this.pitch = new Float64Array(this.n);
    this.yaw = new Float64Array(this.n);
  }

  private i(t: number): number {
    return Math.max(0, Math.min(this.n, Math.round(t * FI)));
  }

  /** Turns smoothly to `to` over [t0, t0 + dur] and holds it to the end of the trial. */
  poseTo(t0: number, dur: number, to: Pose): void {
    const a = this.i(t0);
    const from = {
      roll: this.roll[Math.min(a, this.n - 1)]!,
      pitch: this.pitch[Math.min(a, this.n - 1)]!,
      yaw: this.yaw[Math.min(a, this.n - 1)]!,
    };
    const len = dur * FI;
    for (let k = a; k < this.n; k++) {
      const s = len <= 0 ? 1 : Math.min(1, (k - a) / len);
      const w = s * s * (3 - 2 * s);
      this.roll[k] = from.roll + w * (to.roll - from.roll);
      this.pitch[k] = from.pitch + w * (to.pitch - from.pitch);
      this.yaw[k] = from.yaw + w * (to.yaw - from.yaw);
    }
  }

  pose(t: number): Pose {
    const k = Math.min(this.i(t), this.n - 1);
    return { roll: this.roll[k]!, pitch: this.pitch[k]!, yaw: this.yaw[k]! };
  }

  /** Adds a sinusoidal angle oscillation (arm swing, waving, twisting). */
  swing(t0: number, t1: number, axis: 'roll' | 'pitch' | 'yaw', amp: number, hz: number, phase = 0): void {
    const arr = this[axis];
    const a = this.i(t0);
    const b = this.i(t1);
    const ramp = 0.3 * FI;
    for (let k = a; k < b; k++) {
      const env = Math.min(1, (k - a) / ramp, (b - k) / ramp);
      arr[k]! += env * amp * Math.sin(2 * Math.PI * hz * (k / FI) + phase);
    }
  }

  /** Adds a sinusoidal linear acceleration along a world direction. */
  shake(t0: number, t1: number, dir: readonly number[], amp: number, hz: number, phase = 0): void {
    const a = this.i(t0);
    const b = this.i(t1);
    const ramp = 0.2 * FI;
    for (let k = a; k < b; k++) {
      const env = Math.min(1, (k - a) / ramp, (b - k) / ramp);
      const v = env * amp * Math.sin(2 * Math.PI * hz * (k / FI) + phase);
      this.ax[k]! += v * dir[0]!;
      this.ay[k]! += v * dir[1]!;
      this.az[k]! += v * dir[2]!;
    }
  }

  /**
   * A contact impulse peaking at `t` (a heel strike, a clap, a body hitting the floor): a
   * Gaussian of half-width `width` seconds followed by a damped rebound.
   */
  impulse(t: number, amp: number, width: number, dir: readonly number[], ringHz = 12): void {
    const a = this.i(t - 4 * width);
    const b = this.i(t + 6 * width + 3 / ringHz);
    for (let k = a; k < b; k++) {
      const dt = k / FI - t;
      let v = amp * Math.exp(-((dt / width) ** 2));
      if (dt > width)
        v -= 0.25 * amp * Math.exp(-(dt - width) * ringHz) * Math.sin(2 * Math.PI * ringHz * (dt - width));
      this.ax[k]! += v * dir[0]!;
      this.ay[k]! += v * dir[1]!;
      this.az[k]! += v * dir[2]!;
    }
  }

  /** Loss of support: downward acceleration that lowers the felt gravity by up to `depth`. */
  dip(t0: number, dur: number, depth: number): void {
    const a = this.i(t0);
    const b = this.i(t0 + dur);
    for (let k = a; k < b; k++) {
      const s = (k - a) / Math.max(1, b - a);
      // builds up while the body accelerates, ends abruptly at contact
      this.az[k]! -= depth * Math.sin((Math.PI / 2) * Math.min(1, s * 1.6));
    }
  }

  /** A smooth vertical lowering or raising of the body (sitting, bending): down then brake. */
  lower(t0: number, dur: number, amp: number): void {
    const a = this.i(t0);
    const b = this.i(t0 + dur);
    for (let k = a; k < b; k++) this.az[k]! -= amp * Math.sin((2 * Math.PI * (k - a)) / Math.max(1, b - a));
  }

  /** Small, aperiodic movements of a living person (sums of slow random sinusoids). */
  fidget(rng: MotionRandom, t0: number, t1: number, accG: number, angRad: number): void {
    for (let j = 0; j < 3; j++) {
      const dir = [rng.gauss(), rng.gauss(), rng.gauss() * 0.5];
      const nrm = Math.hypot(dir[0]!, dir[1]!, dir[2]!) || 1;
      this.shake(
        t0,
        t1,
        [dir[0]! / nrm, dir[1]! / nrm, dir[2]! / nrm],
        accG * rng.range(0.3, 1),
        rng.range(0.3, 3),
        rng.range(0, 6.3),
      );
      this.swing(
        t0,
        t1,
        rng.pick(['roll', 'pitch', 'yaw'] as const),
        angRad * rng.range(0.3, 1),
        rng.range(0.1, 0.8),
        rng.range(0, 6.3),
      );
    }
  }

  /** Tangential acceleration of the wrist caused by the orientation changes above. */
  addArmDynamics(): void {
    const h = 1 / FI;
    const sp = PITCH_LEVER_M / G / (h * h);
    const sr = ROLL_LEVER_M / G / (h * h);
    for (let k = 1; k < this.n - 1; k++) {
      this.ax[k]! += sp * (this.pitch[k + 1]! - 2 * this.pitch[k]! + this.pitch[k - 1]!);
      this.ay[k]! += sr * (this.roll[k + 1]! - 2 * this.roll[k]! + this.roll[k - 1]!);
    }
  }

  /** Specific force in the wrist frame at internal index k: Rᵀ(a + ẑ). */
  read(k: number, out: Float64Array): void {
    let vx = this.ax[k]!;
    let vy = this.ay[k]!;
    let vz = this.az[k]! + 1;
    let c = Math.cos(this.yaw[k]!);
    let s = Math.sin(this.yaw[k]!);
    [vx, vy] = [c * vx + s * vy, -s * vx + c * vy];
    c = Math.cos(this.pitch[k]!);
    s = Math.sin(this.pitch[k]!);
    [vx, vz] = [c * vx - s * vz, s * vx + c * vz];
    c = Math.cos(this.roll[k]!);
    s = Math.sin(this.roll[k]!);
    [vy, vz] = [c * vy + s * vz, -s * vy + c * vz];
    out[0] = vx;
    out[1] = vy;
    out[2] = vz;
  }
}

export const UP = [0, 0, 1] as const;
