import { AlignedWindow } from './aligned-window.js';
import type { FallWindowSpec } from './spec.js';

/**
 * Orientation-invariant summary of one impact-aligned window. Only magnitudes and angles
 * between acceleration vectors of the same window are used, so a watch worn in any
 * orientation (or on either wrist) gives the same numbers. Magnitudes are capped at
 * `CAP_G`: watches clip at ±4 to ±16 g, so how far above 6 g an impact went says more about
 * the watch than about the fall.
 *
 * Index names are seconds relative to the peak at the model rate (20 Hz).
 */
export const FEATURE_VERSION = 'hand-v3';
export const CAP_G = 6;

export const FEATURE_NAMES = [
  'peak', // impact magnitude
  'dipMin', // deepest free-fall dip in the 1.5 s before
  'dipMean', // mean magnitude 1 s before (falling lowers it)
  'lowFrac', // share of the last second under 0.75 g
  'preStd', // activity before the fall (walking, clapping)
  'preMax', // earlier peaks (clapping, jogging repeat)
  'postStd1', // 0.5–1.5 s after: settling
  'postStd2', // 1.5 s after to the window's end (4 s): lying still or moving on
  'postJerk', // same span: mean |Δ magnitude|
  'postMax', // later peaks
  'postMean', // ≈1 g when still
  'cosPrePost', // orientation before vs after (lying changes it)
  'postCoherence', // |mean vector| / mean magnitude after: 1 = steady orientation
  'preCoherence',
  'impactEnergy', // Σ(m−1)² ±0.25 s
  'impactWidth', // samples above half the peak within ±0.5 s
  'dipArea', // Σ(m−1)·dt over the second before (velocity lost to free fall)
  'postArea', // Σ(m−1)·dt over the 0.5 s after
  'cosAcross', // orientation just before vs just after the impact
  'otherPeaks', // local maxima above 1.6 g away from the impact
  'postWobble', // mean (1 − cos) to the post mean vector: wrist turning after
  'peakJerk', // steepest magnitude step at the impact
  'lateStd', // last second
  'cosLongPost', // orientation 4–2.5 s before vs 1.5–4 s after: raising and dropping the arms returns to it
  'cosLongPre', // orientation 4–2.5 s before vs 1.5–0.5 s before
  'longStd', // activity 4–1.5 s before
  'longMax',
  'longCoherence',
  // hand-v3: how the window ends (lying still vs seated and adjusting) and how the body got
  // down (uncontrolled vs lowered and braked), for older people's slow, low-impact falls
  'postStillFrac', // share of 0.5 s bins 1–4 s after with magnitude std < 0.05 g
  'postStdMed', // median of those bins' std
  'postTurn', // forearm re-orientation 1–4 s after: Σ angle between consecutive bin means (rad)
  'preTurn', // forearm rotation during the descent, 2 s before (0.25 s bins, rad)
  'brakeMax', // largest magnitude 0.8–0.15 s before: lowering oneself brakes before contact
  'lowRun', // longest run under 0.85 g in the 2.5 s before (s): a long loss of support
  'dipArea2', // Σ(1−m)⁺·dt over the 2.5 s before: velocity lost in a slow collapse
  'tiltAngle', // angle between the orientation 4–2.5 s before and 1.5–4 s after (rad)
  ...profileNames('f', 12), // mean magnitude per 0.25 s, 2 s before to 1 s after
  ...profileNames('m', 16), // mean magnitude per 0.5 s
  ...profileNames('c', 16), // cos of the mean vector per 0.5 s to the post-impact mean vector
] as const;

function profileNames<P extends string>(prefix: P, n: number): `${P}${number}`[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}` as `${P}${number}`);
}

export class FallFeatures extends AlignedWindow {
  readonly count = FEATURE_NAMES.length;
  private readonly p: number;
  private readonly r: number;
  // magnitudes of the window in scratch
  private readonly wm: Float32Array;

  constructor(spec: FallWindowSpec) {
    super(spec);
    this.p = spec.preSamples;
    this.r = spec.rateHz;
    this.wm = new Float32Array(this.length);
  }

  protected compute(out: Float32Array, o: number): void {
    const { wx, wy, wz, wm, p, r } = this;
    for (let i = 0; i < this.length; i++) {
      wm[i] = Math.min(CAP_G, Math.sqrt(wx[i]! * wx[i]! + wy[i]! * wy[i]! + wz[i]! * wz[i]!));
    }
    const peak = wm[p]!;
    let f = o;
    out[f++] = peak;
    out[f++] = this.min(this.at(-1.5), p);
    out[f++] = this.mean(this.at(-1), this.at(-0.1));
    out[f++] = this.fracBelow(this.at(-1), p, 0.75);
    out[f++] = this.std(this.at(-1.5), this.at(-0.4));
    out[f++] = this.max(this.at(-1.5), this.at(-0.4));
    out[f++] = this.std(this.at(0.5), this.at(1.5));
    out[f++] = this.std(this.at(1.5), this.end);
    out[f++] = this.meanAbsStep(this.at(1.5), this.end);
    out[f++] = this.max(this.at(0.4), this.end);
    out[f++] = this.mean(this.at(1.5), this.end);
    out[f++] = this.cosMeans(this.at(-1.5), this.at(-0.5), this.at(1.5), this.end);
    out[f++] = this.coherence(this.at(1.5), this.end);
    out[f++] = this.coherence(this.at(-1.5), this.at(-0.5));
    out[f++] = this.energy(this.at(-0.25), this.at(0.25) + 1) / r;
    out[f++] = this.countAbove(this.at(-0.5), this.at(0.5) + 1, 1 + 0.5 * (peak - 1));
    out[f++] = this.area(this.at(-1), p) / r;
    out[f++] = this.area(p + 1, this.at(0.5) + 1) / r;
    out[f++] = this.cosMeans(this.at(-0.5), this.at(-0.2), this.at(0.2), this.at(0.5));
    out[f++] = this.peaksAway(this.at(-0.3), this.at(0.3), 1.6);
    out[f++] = this.wobble(this.at(1.5), this.end);
    out[f++] = this.maxStep(this.at(-0.25), this.at(0.25) + 1);
    out[f++] = this.std(this.end - this.r, this.end);
    out[f++] = this.cosMeans(this.at(-4), this.at(-2.5), this.at(1.5), this.end);
    out[f++] = this.cosMeans(this.at(-4), this.at(-2.5), this.at(-1.5), this.at(-0.5));
    out[f++] = this.std(this.at(-4), this.at(-1.5));
    out[f++] = this.max(this.at(-4), this.at(-1.5));
    out[f++] = this.coherence(this.at(-4), this.at(-2.5));
    // hand-v3
    const bin = Math.max(2, Math.round(0.5 * r));
    let still = 0;
    const stds: number[] = [];
    for (let a = this.at(1); a + bin <= this.end; a += bin) {
      const sd = this.std(a, a + bin);
      stds.push(sd);
      if (sd < 0.05) still++;
    }
    stds.sort((u, v) => u - v);
    out[f++] = stds.length > 0 ? still / stds.length : 0;
    out[f++] = stds.length > 0 ? stds[stds.length >> 1]! : 0;
    out[f++] = this.turn(this.at(1), this.end, bin);
    out[f++] = this.turn(this.at(-2), p, Math.max(1, Math.round(0.25 * r)));
    out[f++] = this.max(this.at(-0.8), this.at(-0.15));
    out[f++] = this.runBelow(this.at(-2.5), p, 0.85) / r;
    out[f++] = this.deficit(this.at(-2.5), p) / r;
    out[f++] = Math.acos(
      Math.max(-1, Math.min(1, this.cosMeans(this.at(-4), this.at(-2.5), this.at(1.5), this.end))),
    );
    const fine = Math.max(1, Math.round(0.25 * r));
    for (let b = 0, a = this.at(-2); b < 12; b++, a += fine)
      out[f++] = this.mean(a, Math.min(this.length, a + fine));
    const bins = 16;
    const step = this.length / bins;
    for (let b = 0; b < bins; b++) out[f++] = this.mean(Math.round(b * step), Math.round((b + 1) * step));
    this.meanVec(this.at(1.5), this.end, this.vb);
    for (let b = 0; b < bins; b++) {
      this.meanVec(Math.round(b * step), Math.round((b + 1) * step), this.va);
      out[f++] = cosine(this.va[0]!, this.va[1]!, this.va[2]!, this.vb[0]!, this.vb[1]!, this.vb[2]!);
    }
  }

  /** End of the window (index): post-impact spans run to it. */
  private get end(): number {
    return this.length;
  }

  /** Window index `sec` seconds from the peak, kept inside the window. */
  private at(sec: number): number {
    return Math.max(0, Math.min(this.length, this.p + Math.round(sec * this.r)));
  }

  private mean(a: number, b: number): number {
    let s = 0;
    for (let i = a; i < b; i++) s += this.wm[i]!;
    return b > a ? s / (b - a) : 1;
  }

  private std(a: number, b: number): number {
    if (b - a < 2) return 0;
    const mu = this.mean(a, b);
    let s = 0;
    for (let i = a; i < b; i++) s += (this.wm[i]! - mu) ** 2;
    return Math.sqrt(s / (b - a));
  }

  private min(a: number, b: number): number {
    let v = Number.POSITIVE_INFINITY;
    for (let i = a; i < b; i++) v = Math.min(v, this.wm[i]!);
    return b > a ? v : 1;
  }

  private max(a: number, b: number): number {
    let v = 0;
    for (let i = a; i < b; i++) v = Math.max(v, this.wm[i]!);
    return b > a ? v : 1;
  }

  private fracBelow(a: number, b: number, g: number): number {
    let c = 0;
    for (let i = a; i < b; i++) if (this.wm[i]! < g) c++;
    return b > a ? c / (b - a) : 0;
  }

  private countAbove(a: number, b: number, g: number): number {
    let c = 0;
    for (let i = a; i < b; i++) if (this.wm[i]! > g) c++;
    return c;
  }

  private meanAbsStep(a: number, b: number): number {
    let s = 0;
    for (let i = Math.max(1, a); i < b; i++) s += Math.abs(this.wm[i]! - this.wm[i - 1]!);
    return b - a > 1 ? s / (b - a - 1) : 0;
  }

  private maxStep(a: number, b: number): number {
    let v = 0;
    for (let i = Math.max(1, a); i < b; i++) v = Math.max(v, Math.abs(this.wm[i]! - this.wm[i - 1]!));
    return v;
  }

  private energy(a: number, b: number): number {
    let s = 0;
    for (let i = a; i < b; i++) s += (this.wm[i]! - 1) ** 2;
    return s;
  }

  private area(a: number, b: number): number {
    let s = 0;
    for (let i = a; i < b; i++) s += this.wm[i]! - 1;
    return s;
  }

  /** Longest run of magnitudes under `g` in [a, b), in samples. */
  private runBelow(a: number, b: number, g: number): number {
    let best = 0;
    let run = 0;
    for (let i = a; i < b; i++) {
      run = this.wm[i]! < g ? run + 1 : 0;
      if (run > best) best = run;
    }
    return best;
  }

  /** Σ max(0, 1 − m) over [a, b). */
  private deficit(a: number, b: number): number {
    let s = 0;
    for (let i = a; i < b; i++) s += Math.max(0, 1 - this.wm[i]!);
    return s;
  }

  /** Σ of angles between the mean vectors of consecutive `bin`-long bins in [a, b). */
  private turn(a: number, b: number, bin: number): number {
    let s = 0;
    let px = 0;
    let py = 0;
    let pz = 0;
    let first = true;
    for (let i = a; i + bin <= b; i += bin) {
      this.meanVec(i, i + bin, this.va);
      const [x, y, z] = this.va as unknown as [number, number, number];
      if (!first) s += Math.acos(Math.max(-1, Math.min(1, cosine(px, py, pz, x, y, z))));
      first = false;
      px = x;
      py = y;
      pz = z;
    }
    return s;
  }

  /** Local maxima above `g` outside [a, b) (the impact itself). */
  private peaksAway(a: number, b: number, g: number): number {
    const m = this.wm;
    let c = 0;
    for (let i = 1; i < this.length - 1; i++) {
      if (i >= a && i < b) continue;
      if (m[i]! > g && m[i]! >= m[i - 1]! && m[i]! > m[i + 1]!) c++;
    }
    return c;
  }

  private meanVec(a: number, b: number, v: Float64Array): void {
    v[0] = 0;
    v[1] = 0;
    v[2] = 0;
    for (let i = a; i < b; i++) {
      v[0] += this.wx[i]!;
      v[1] += this.wy[i]!;
      v[2] += this.wz[i]!;
    }
    const n = Math.max(1, b - a);
    v[0] /= n;
    v[1] /= n;
    v[2] /= n;
  }

  private readonly va = new Float64Array(3);
  private readonly vb = new Float64Array(3);

  private cosMeans(a0: number, a1: number, b0: number, b1: number): number {
    this.meanVec(a0, a1, this.va);
    this.meanVec(b0, b1, this.vb);
    return cosine(this.va[0]!, this.va[1]!, this.va[2]!, this.vb[0]!, this.vb[1]!, this.vb[2]!);
  }

  private coherence(a: number, b: number): number {
    this.meanVec(a, b, this.va);
    let s = 0;
    for (let i = a; i < b; i++) {
      s += Math.sqrt(this.wx[i]! ** 2 + this.wy[i]! ** 2 + this.wz[i]! ** 2);
    }
    const mm = b > a ? s / (b - a) : 1;
    return mm > 1e-6 ? Math.hypot(this.va[0]!, this.va[1]!, this.va[2]!) / mm : 0;
  }

  private wobble(a: number, b: number): number {
    this.meanVec(a, b, this.va);
    const [vx, vy, vz] = this.va as unknown as [number, number, number];
    let s = 0;
    for (let i = a; i < b; i++) s += 1 - cosine(this.wx[i]!, this.wy[i]!, this.wz[i]!, vx, vy, vz);
    return b > a ? s / (b - a) : 0;
  }
}

function cosine(ax: number, ay: number, az: number, bx: number, by: number, bz: number): number {
  const na = Math.sqrt(ax * ax + ay * ay + az * az);
  const nb = Math.sqrt(bx * bx + by * by + bz * bz);
  if (na < 1e-6 || nb < 1e-6) return 1;
  return (ax * bx + ay * by + az * bz) / (na * nb);
}
