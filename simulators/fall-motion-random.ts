/**
 * The generator's only source of randomness, and the random directions and rotations drawn
 * from it. Every draw goes through one `MotionRandom`, so a seed replays a trial exactly.
 */

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

export function randomUnit(rng: MotionRandom): [number, number, number] {
  const v = [rng.gauss(), rng.gauss(), rng.gauss()];
  const n = Math.hypot(v[0]!, v[1]!, v[2]!) || 1;
  return [v[0]! / n, v[1]! / n, v[2]! / n];
}

export function horizontal(rng: MotionRandom): [number, number, number] {
  const a = rng.range(0, 2 * Math.PI);
  return [Math.cos(a), Math.sin(a), 0];
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
