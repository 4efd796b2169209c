import type { FallWindowSpec } from './spec.js';

/**
 * A writer of one model row per impact: copies the window around a peak (from a stream's
 * ring or from arrays already aligned) into scratch, the peak at index `preSamples`, and
 * lets the subclass turn it into `count` numbers. One instance may serve every stream of a
 * worker: it holds only that scratch.
 */
export abstract class AlignedWindow {
  abstract readonly count: number;
  readonly length: number;
  protected readonly wx: Float32Array;
  protected readonly wy: Float32Array;
  protected readonly wz: Float32Array;

  constructor(protected readonly spec: FallWindowSpec) {
    this.length = spec.preSamples + spec.postSamples;
    this.wx = new Float32Array(this.length);
    this.wy = new Float32Array(this.length);
    this.wz = new Float32Array(this.length);
  }

  /**
   * Writes the row of the window whose peak is `peakAbs` (absolute index into the ring
   * arrays, which hold at least `preSamples` before and `postSamples` after it).
   */
  writeFromRing(
    ring: { x: Float32Array; y: Float32Array; z: Float32Array; capacity: number },
    peakAbs: number,
    out: Float32Array,
    offset: number,
  ): void {
    const start = peakAbs - this.spec.preSamples;
    for (let i = 0; i < this.length; i++) {
      const s = (start + i) % ring.capacity;
      this.wx[i] = ring.x[s]!;
      this.wy[i] = ring.y[s]!;
      this.wz[i] = ring.z[s]!;
    }
    this.compute(out, offset);
  }

  /** Same, from plain arrays already aligned so that index `preSamples` is the peak. */
  writeAligned(
    x: ArrayLike<number>,
    y: ArrayLike<number>,
    z: ArrayLike<number>,
    out: Float32Array,
    offset: number,
  ): void {
    for (let i = 0; i < this.length; i++) {
      this.wx[i] = x[i]!;
      this.wy[i] = y[i]!;
      this.wz[i] = z[i]!;
    }
    this.compute(out, offset);
  }

  /** Turns the window in scratch into the row at `out[offset…]`. */
  protected abstract compute(out: Float32Array, offset: number): void;
}

/** What a stream needs of a row writer (several writers may be chained into one row). */
export type RowWriter = Pick<AlignedWindow, 'count' | 'writeFromRing'>;
