import type { FallStream } from './stream.js';

/**
 * Candidate windows from any number of streams, gathered for one model run: their features
 * in one row-major Float32Array ([size, featureCount]) plus who they belong to. Reused
 * across runs; it grows (rarely) instead of dropping a candidate.
 */
export class FallBatch {
  input: Float32Array;
  peakMs: Float64Array;
  peakG: Float32Array;
  owners: (FallStream | undefined)[];
  size = 0;

  constructor(
    readonly featureCount: number,
    private capacity = 256,
  ) {
    this.input = new Float32Array(capacity * featureCount);
    this.peakMs = new Float64Array(capacity);
    this.peakG = new Float32Array(capacity);
    this.owners = new Array(capacity);
  }

  /** Reserves a row and returns the offset of its features in `input`. */
  reserve(owner: FallStream, peakMs: number, peakG: number): number {
    if (this.size === this.capacity) this.grow();
    const row = this.size++;
    this.owners[row] = owner;
    this.peakMs[row] = peakMs;
    this.peakG[row] = peakG;
    return row * this.featureCount;
  }

  /** The filled rows, as the model's [size, featureCount] input. */
  rows(): Float32Array {
    return this.input.subarray(0, this.size * this.featureCount);
  }

  clear(): void {
    this.owners.fill(undefined, 0, this.size);
    this.size = 0;
  }

  private grow(): void {
    const cap = this.capacity * 2;
    const input = new Float32Array(cap * this.featureCount);
    input.set(this.input);
    const peakMs = new Float64Array(cap);
    peakMs.set(this.peakMs);
    const peakG = new Float32Array(cap);
    peakG.set(this.peakG);
    this.input = input;
    this.peakMs = peakMs;
    this.peakG = peakG;
    this.owners.length = cap;
    this.capacity = cap;
  }
}
