/**
 * The last `capacity` resampled samples of one stream, with their magnitude (the pre-filter
 * and every feature read it) and tick time. Fixed typed arrays: no allocation per sample.
 */
export class SampleRing {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly z: Float32Array;
  readonly m: Float32Array;
  readonly tMs: Float64Array;
  /** Samples written since the last clear. */
  count = 0;

  constructor(readonly capacity: number) {
    this.x = new Float32Array(capacity);
    this.y = new Float32Array(capacity);
    this.z = new Float32Array(capacity);
    this.m = new Float32Array(capacity);
    this.tMs = new Float64Array(capacity);
  }

  push(tMs: number, x: number, y: number, z: number): void {
    const i = this.count % this.capacity;
    this.x[i] = x;
    this.y[i] = y;
    this.z[i] = z;
    this.m[i] = Math.sqrt(x * x + y * y + z * z);
    this.tMs[i] = tMs;
    this.count++;
  }

  /** Physical slot of absolute sample index `abs` (must be among the last `capacity`). */
  slot(abs: number): number {
    return abs % this.capacity;
  }

  clear(): void {
    this.count = 0;
  }
}
