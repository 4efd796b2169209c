/** Receives the resampled, evenly spaced stream. */
export interface ResampledSink {
  accept(x: number, y: number, z: number): void;
  /** The input had a gap longer than the resampler bridges: earlier samples are unrelated. */
  restart(): void;
}

/**
 * Puts an irregular stream of any rate (10–200 Hz) on an even grid at the model rate.
 *
 * Each output tick owns a bin of one period centred on it. A bin with samples emits the one
 * whose magnitude lies farthest from 1 g: impacts last 30–100 ms, so plain decimation of a
 * 50–200 Hz stream would often step over the spike (and the free-fall dip) that a 20 Hz
 * sensor shows. A bin without samples (input slower than the grid, jitter, dropouts) is
 * filled by linear interpolation between its neighbours. Gaps above `maxGapMs` restart the
 * grid instead of inventing seconds of data, and so does a step back in time of that size.
 */
export class StreamResampler {
  private readonly periodMs: number;
  private origin = Number.NaN;
  private tick = 0;
  private lastT = Number.NaN;
  private lastX = 0;
  private lastY = 0;
  private lastZ = 0;
  private hasBest = false;
  private bestX = 0;
  private bestY = 0;
  private bestZ = 0;
  private bestDev = 0;

  constructor(
    rateHz: number,
    private readonly sink: ResampledSink,
    private readonly maxGapMs = 10_000,
  ) {
    this.periodMs = 1000 / rateHz;
  }

  /** Time (ms, input clock) of the next tick to be emitted. */
  nextTickMs(): number {
    return this.origin + this.tick * this.periodMs;
  }

  push(tMs: number, x: number, y: number, z: number): void {
    if (!Number.isFinite(tMs) || !Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) return;
    if (Number.isNaN(this.origin)) {
      this.begin(tMs);
    } else if (tMs < this.lastT && this.lastT - tMs <= this.maxGapMs) {
      return; // out of order, or sent again: the grid only moves forward
    } else if (Math.abs(tMs - this.lastT) > this.maxGapMs) {
      // A gap, or the device's clock set back (one reading minutes ahead must not blind the
      // detector until the clock catches up with it): a new grid from here.
      this.flushBest();
      this.sink.restart();
      this.begin(tMs);
    }
    const p = this.periodMs;
    // close every bin that ends at or before this sample
    while (tMs >= this.origin + (this.tick + 0.5) * p) {
      if (this.hasBest) {
        this.sink.accept(this.bestX, this.bestY, this.bestZ);
        this.hasBest = false;
      } else {
        const tt = this.origin + this.tick * p;
        const f = (tt - this.lastT) / (tMs - this.lastT);
        this.sink.accept(
          this.lastX + f * (x - this.lastX),
          this.lastY + f * (y - this.lastY),
          this.lastZ + f * (z - this.lastZ),
        );
      }
      this.tick++;
    }
    const dev = Math.abs(Math.sqrt(x * x + y * y + z * z) - 1);
    if (!this.hasBest || dev > this.bestDev) {
      this.hasBest = true;
      this.bestDev = dev;
      this.bestX = x;
      this.bestY = y;
      this.bestZ = z;
    }
    this.lastT = tMs;
    this.lastX = x;
    this.lastY = y;
    this.lastZ = z;
  }

  /** Emits the open bin (end of a recording); the next push starts a new grid. */
  finish(): void {
    this.flushBest();
    this.origin = Number.NaN;
  }

  private begin(tMs: number): void {
    this.origin = tMs;
    this.tick = 0;
    this.hasBest = false;
    this.lastT = tMs;
  }

  private flushBest(): void {
    if (!this.hasBest) return;
    this.sink.accept(this.bestX, this.bestY, this.bestZ);
    this.hasBest = false;
    this.tick++;
  }
}

/** Whole-recording convenience (tests, tools): resamples into new arrays. */
export function resampleRecording(
  tMs: ArrayLike<number>,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  z: ArrayLike<number>,
  rateHz: number,
): { x: Float32Array; y: Float32Array; z: Float32Array } {
  const n = tMs.length;
  const span = n > 0 ? tMs[n - 1]! - tMs[0]! : 0;
  const cap = Math.ceil((span * rateHz) / 1000) + 2;
  const ox = new Float32Array(cap);
  const oy = new Float32Array(cap);
  const oz = new Float32Array(cap);
  let k = 0;
  const sink: ResampledSink = {
    accept(a, b, c) {
      if (k >= cap) return;
      ox[k] = a;
      oy[k] = b;
      oz[k] = c;
      k++;
    },
    restart() {},
  };
  const r = new StreamResampler(rateHz, sink, Number.POSITIVE_INFINITY);
  for (let i = 0; i < n; i++) r.push(tMs[i]!, x[i]!, y[i]!, z[i]!);
  r.finish();
  return { x: ox.subarray(0, k), y: oy.subarray(0, k), z: oz.subarray(0, k) };
}
