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
 */

export const FALL_KINDS = ['fall_forward', 'fall_backward', 'fall_lateral'] as const;
export const ADL_KINDS = [
  'standing',
  'walking',
  'jogging',
  'stairs_up',
  'stairs_down',
  'sitting_down',
  'sitting_heavily',
  'lying_on_bed',
  'clapping',
  'hand_waving',
  'picking_up',
  'hopping',
  'making_call',
  'opening_door',
  'table_bump',
  'walker',
  'transfer',
] as const;
export type FallKind = (typeof FALL_KINDS)[number];
export type AdlKind = (typeof ADL_KINDS)[number];
export type MotionKind = FallKind | AdlKind;

/**
 * How a fall happens. `trip`: a trip or slip, fast descent with a free-fall dip and a clear
 * impact. `slide`: a slow collapse or slide down (fainting, legs giving way, sliding off a
 * chair or along a wall), common in people over 75: long descent, little free fall, a wrist
 * peak of only 1.5–3 g. `furniture`: an incomplete fall that meets a chair, bed or table on the
 * way down: two smaller contacts, or one, ending half on the furniture.
 */
export const FALL_MECHANISMS = ['trip', 'slide', 'furniture'] as const;
export type FallMechanism = (typeof FALL_MECHANISMS)[number];

/**
 * Parameter bands kept out of training so that a test set can measure generalisation to
 * movement speeds the model never saw: the descent time of slow falls and the slowness of
 * older wearers. `heldOut: 'exclude'` never draws inside them, `'only'` only inside.
 */
export const HELD_OUT = {
  /** Descent of a `slide` fall (s); its full range is 0.9–2.6 s. */
  slideDescentS: [1.3, 1.65],
  /** Time stretch of an older wearer's movements; full range 1.2–1.8. */
  elderlySlow: [1.45, 1.6],
} as const;

export interface MotionOptions {
  kind: MotionKind;
  /** Output sampling rate, 10–200 Hz. */
  rateHz: number;
  durationS?: number;
  /** Slower movements, lower peaks, tremor, shorter steps. */
  elderly?: boolean;
  /** Sensor range per axis (g); readings are clipped to it. */
  rangeG?: number;
  /** Sensor noise, standard deviation per axis (g). */
  noiseG?: number;
  /** Timestamp jitter as a fraction of the period. */
  jitter?: number;
  /** Share of samples lost (in short bursts). */
  dropout?: number;
  /** Watch worn in a random orientation (default true). */
  randomMount?: boolean;
  /** Parameter bands of `HELD_OUT`: left out ('exclude', training) or only ('only', testing). */
  heldOut?: 'exclude' | 'only';
  /** Force a fall mechanism (default: drawn; older wearers slide or meet furniture more often). */
  mechanism?: FallMechanism;
}

export interface MotionTrial {
  label: 'fall' | 'adl';
  activity: MotionKind;
  rateHz: number;
  elderly: boolean;
  tMs: Float64Array;
  x: Float32Array;
  y: Float32Array;
  z: Float32Array;
  /** Time of the impact peak (falls only). */
  impactMs: number | null;
  /** Fall followed by getting up within the recording. */
  recovered: boolean;
  /** How the fall happened (falls only). */
  mechanism: FallMechanism | null;
}

const FI = 400; // internal timeline rate (Hz)
// lever arms turning orientation changes into wrist acceleration: swinging the forearm
// (pitch) moves the wrist on an arc; twisting it (roll) barely moves it
const PITCH_LEVER_M = 0.2;
const ROLL_LEVER_M = 0.05;
const G = 9.80665;

/** Small seeded PRNG (mulberry32): the generator never touches Math.random. */
export class MotionRandom {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  range(a: number, b: number): number {
    return a + (b - a) * this.next();
  }
  logRange(a: number, b: number): number {
    return Math.exp(this.range(Math.log(a), Math.log(b)));
  }
  sign(): number {
    return this.next() < 0.5 ? -1 : 1;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  /**
   * Uniform in [a, b] outside `band` (mode 'exclude') or inside it ('only'); plain [a, b]
   * without a mode. The band must lie inside [a, b].
   */
  banded(a: number, b: number, band: readonly [number, number], mode?: 'exclude' | 'only'): number {
    if (mode === undefined) return this.range(a, b);
    if (mode === 'only') return this.range(band[0], band[1]);
    const w = b - a - (band[1] - band[0]);
    const u = this.range(a, a + w);
    return u < band[0] ? u : u + (band[1] - band[0]);
  }
  gauss(): number {
    const u = Math.max(1e-12, this.next());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

interface Pose {
  roll: number;
  pitch: number;
  yaw: number;
}

/** The 400 Hz world-frame timeline one trial is composed on. */
class Timeline {
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

const UP = [0, 0, 1] as const;

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
    const ctx: Ctx = { rng, tl, dur, slow, gain, elderly, heldOut: opts.heldOut };
    const stand = standingPose(rng);
    tl.poseTo(0, 0, stand);
    let impactS: number | null = null;
    let recovered = false;
    let mechanism: FallMechanism | null = null;
    if ((FALL_KINDS as readonly string[]).includes(opts.kind)) {
      mechanism = opts.mechanism ?? drawMechanism(rng, elderly);
      const r = composeFall(ctx, opts.kind as FallKind, stand, mechanism);
      impactS = r.impactS;
      recovered = r.recovered;
    } else {
      composeAdl(ctx, opts.kind as AdlKind, stand);
    }
    if (elderly) tl.shake(0, dur, randomUnit(rng), rng.range(0.005, 0.03), rng.range(4, 6.5));
    tl.addArmDynamics();
    const s = this.sample(tl, opts);
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

  /** Reads the timeline like a watch: jitter, dropouts, low-pass, noise, quantisation, clipping. */
  private sample(
    tl: Timeline,
    opts: MotionOptions,
  ): { tMs: Float64Array; x: Float32Array; y: Float32Array; z: Float32Array } {
    const rng = this.rng;
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
}

interface Ctx {
  rng: MotionRandom;
  tl: Timeline;
  dur: number;
  slow: number;
  gain: number;
  elderly: boolean;
  heldOut: 'exclude' | 'only' | undefined;
}

function standingPose(rng: MotionRandom): Pose {
  return { roll: rng.range(-0.4, 0.4), pitch: rng.range(-1.5, -1.0), yaw: rng.range(-Math.PI, Math.PI) };
}

function lapPose(rng: MotionRandom, yaw: number): Pose {
  return { roll: rng.range(-0.8, 0.8), pitch: rng.range(-0.5, 0.4), yaw };
}

function lyingPose(rng: MotionRandom, yaw: number): Pose {
  return { roll: rng.sign() * rng.range(0.9, 2.6), pitch: rng.range(-1.3, 1.3), yaw: yaw + rng.range(-1, 1) };
}

function randomUnit(rng: MotionRandom): [number, number, number] {
  const v = [rng.gauss(), rng.gauss(), rng.gauss()];
  const n = Math.hypot(v[0]!, v[1]!, v[2]!) || 1;
  return [v[0]! / n, v[1]! / n, v[2]! / n];
}

function horizontal(rng: MotionRandom): [number, number, number] {
  const a = rng.range(0, 2 * Math.PI);
  return [Math.cos(a), Math.sin(a), 0];
}

/** Walking-like gait from t0 to t1: vertical bounce, heel strikes, arm swing. */
function gait(
  c: Ctx,
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

function walk(c: Ctx, t0: number, t1: number): void {
  const e = c.elderly;
  gait(c, t0, t1, {
    hz: e ? c.rng.range(1.1, 1.6) : c.rng.range(1.6, 2.1),
    bounce: c.gain * c.rng.range(0.12, 0.35),
    strike: c.gain * c.rng.range(0.2, 0.9),
    swing: (e ? c.rng.range(0.05, 0.25) : c.rng.range(0.2, 0.5)) * c.gain,
  });
}

function composeAdl(c: Ctx, kind: AdlKind, stand: Pose): void {
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
  c: Ctx,
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

function drawMechanism(rng: MotionRandom, elderly: boolean): FallMechanism {
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
function contact(c: Ctx, t: number, peakG: number, width: number, ringHz: number): void {
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

function composeFall(
  c: Ctx,
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

/** Time of the largest magnitude within ±0.3 s of `nearMs` (the sampled impact). */
function peakNear(
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

/** Uniform random rotation (from a random unit quaternion), row-major 3×3. */
export function randomRotation(rng: MotionRandom): number[] {
  let q = [rng.gauss(), rng.gauss(), rng.gauss(), rng.gauss()];
  const n = Math.hypot(q[0]!, q[1]!, q[2]!, q[3]!) || 1;
  q = q.map((v) => v / n);
  const [w, a, b, c] = q as [number, number, number, number];
  return [
    1 - 2 * (b * b + c * c),
    2 * (a * b - c * w),
    2 * (a * c + b * w),
    2 * (a * b + c * w),
    1 - 2 * (a * a + c * c),
    2 * (b * c - a * w),
    2 * (a * c - b * w),
    2 * (b * c + a * w),
    1 - 2 * (a * a + b * b),
  ];
}
