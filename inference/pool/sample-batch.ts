import type { SampleArrays, SamplesMessage } from './protocol.js';

/**
 * Acceleration gathered on the main thread for one worker until the next post: samples are
 * copied straight into preallocated typed arrays (nothing is allocated per sample), which
 * grow by doubling when a batch outgrows them. `take()` hands the arrays over for transfer
 * and continues with recycled ones (those a worker has given back), so in steady state a
 * batch allocates only its small list of device ids.
 */
export class SampleBatch {
  private arrays: SampleArrays;
  private devices: string[] = [];
  private readonly spare: SampleArrays[] = [];
  deviceCount = 0;
  samples = 0;

  constructor(private capacity = 4096) {
    this.arrays = allocate(capacity, 256);
  }

  /** Adds one reading's samples: sample k is at `ts + k * 1000 / hz`. */
  addReading(
    deviceId: string,
    ts: number,
    hz: number,
    x: ArrayLike<number>,
    y: ArrayLike<number>,
    z: ArrayLike<number>,
  ): void {
    const n = Math.min(x.length, y.length, z.length);
    if (n === 0) return;
    const o = this.reserve(deviceId, n);
    const { t, x: ax, y: ay, z: az } = this.arrays;
    const step = 1000 / hz;
    for (let k = 0; k < n; k++) {
      t[o + k] = ts + k * step;
      ax[o + k] = x[k]!;
      ay[o + k] = y[k]!;
      az[o + k] = z[k]!;
    }
  }

  /** Adds samples `from`..`to`-1 of already timed arrays (a hot window, when rebuilding). */
  addSamples(
    deviceId: string,
    src: { t: Float64Array; x: Float32Array; y: Float32Array; z: Float32Array },
    from: number,
    to: number,
  ): void {
    const n = to - from;
    if (n <= 0) return;
    const o = this.reserve(deviceId, n);
    this.arrays.t.set(src.t.subarray(from, to), o);
    this.arrays.x.set(src.x.subarray(from, to), o);
    this.arrays.y.set(src.y.subarray(from, to), o);
    this.arrays.z.set(src.z.subarray(from, to), o);
  }

  /** The batch as a message plus the buffers to transfer; the builder starts empty again. */
  take(seq: number): { message: SamplesMessage; transfer: ArrayBuffer[] } {
    const arrays = this.arrays;
    const message: SamplesMessage = {
      type: 'samples',
      seq,
      devices: this.devices,
      samples: this.samples,
      rebuild: false,
      lastAlarms: null,
      ...arrays,
    };
    this.arrays = this.nextArrays();
    this.devices = [];
    this.deviceCount = 0;
    this.samples = 0;
    return { message, transfer: buffersOf(arrays) };
  }

  /** Arrays a worker gave back; kept for the next batches if they are still large enough. */
  recycle(arrays: SampleArrays): void {
    if (this.spare.length < 4 && arrays.t.length >= this.capacity) this.spare.push(arrays);
  }

  /** Forgets what was gathered (its samples are in the hot windows, see the pool's rebuild). */
  clear(): void {
    this.devices = [];
    this.deviceCount = 0;
    this.samples = 0;
  }

  private reserve(deviceId: string, n: number): number {
    if (this.samples + n > this.capacity) this.growSamples(this.samples + n);
    if (this.deviceCount === this.arrays.counts.length) this.growCounts();
    this.devices.push(deviceId);
    this.arrays.counts[this.deviceCount++] = n;
    const offset = this.samples;
    this.samples += n;
    return offset;
  }

  private nextArrays(): SampleArrays {
    const spare = this.spare.pop();
    if (spare && spare.t.length >= this.capacity) return spare;
    return allocate(this.capacity, this.arrays.counts.length);
  }

  private growSamples(needed: number): void {
    let cap = this.capacity * 2;
    while (cap < needed) cap *= 2;
    const old = this.arrays;
    const next = allocate(cap, old.counts.length);
    next.counts.set(old.counts);
    next.t.set(old.t.subarray(0, this.samples));
    next.x.set(old.x.subarray(0, this.samples));
    next.y.set(old.y.subarray(0, this.samples));
    next.z.set(old.z.subarray(0, this.samples));
    this.arrays = next;
    this.capacity = cap;
    this.spare.length = 0; // too small from now on
  }

  private growCounts(): void {
    const counts = new Uint32Array(this.arrays.counts.length * 2);
    counts.set(this.arrays.counts);
    this.arrays.counts = counts;
  }
}

function allocate(samples: number, devices: number): SampleArrays {
  return {
    counts: new Uint32Array(devices),
    t: new Float64Array(samples),
    x: new Float32Array(samples),
    y: new Float32Array(samples),
    z: new Float32Array(samples),
  };
}

function buffersOf(a: SampleArrays): ArrayBuffer[] {
  return [a.counts.buffer, a.t.buffer, a.x.buffer, a.y.buffer, a.z.buffer] as ArrayBuffer[];
}
