import type { RowWriter } from './aligned-window.js';
import type { FallBatch } from './batch.js';
import { type ResampledSink, StreamResampler } from './resample.js';
import { SampleRing } from './ring.js';
import { type FallWindowSpec, windowSamples } from './spec.js';

/**
 * How hard, against the last alarm's, an impact must be to alarm again within the refractory period:
 * at least as hard (a fall's impact is no softer than the stumble before it). It was 1.25 until
 * 2026-12-05, which missed falls whose impact was 1.0–1.25× the pre-fall motion that alarmed
 * (model card, "Windows and decision rule").
 */
export const REARM_RATIO = 1;
/**
 * …and at least this long after it: another impact, not the alarmed one seen again (a worker's
 * streams rebuilt after a crash replay it) nor its other peaks within a second. An alarm more than
 * 1 s before the impact is the one the rearm is for, so nothing it is for comes sooner.
 */
export const REARM_GAP_MS = 1000;

export interface FallStreamDeps {
  spec: FallWindowSpec;
  /** Feature writer; one instance may serve every stream of a worker (it only holds scratch). */
  features: RowWriter;
  /** Whatever the caller needs to route an alarm (a device id). */
  key?: string;
}

/**
 * One wearer's accelerometer stream: resamples it to the model rate and cuts windows.
 *
 * A window of pre + hop + post samples is cut every hop (0.5 s); its middle hop-long slot is
 * searched for an impact: the largest magnitude in the slot, which must also be the largest
 * within ±hop (so one impact is scored once, not once per neighbouring slot) and at least
 * the pre-filter magnitude. Only such candidates reach the model, with features computed on
 * the window re-aligned so that the peak sits at index `preSamples`. A candidate is decided
 * `postSamples` (4 s) after its peak: the model needs to see what followed.
 */
export class FallStream implements ResampledSink {
  readonly key: string;
  private readonly spec: FallWindowSpec;
  private readonly features: RowWriter;
  private readonly ring: SampleRing;
  private readonly resampler: StreamResampler;
  private readonly window: number;
  private target: FallBatch | null = null;
  private lastAlarmMs = Number.NEGATIVE_INFINITY;
  private lastAlarmG = 0;

  constructor(deps: FallStreamDeps) {
    this.spec = deps.spec;
    this.features = deps.features;
    this.key = deps.key ?? '';
    this.window = windowSamples(deps.spec);
    this.ring = new SampleRing(this.window);
    this.resampler = new StreamResampler(deps.spec.rateHz, this);
  }

  /** Adds one raw sample (time in ms, axes in g); candidates it completes go to `batch`. */
  push(tMs: number, x: number, y: number, z: number, batch: FallBatch): void {
    this.target = batch;
    this.resampler.push(tMs, x, y, z);
    this.target = null;
  }

  /** End of a recording: emits the last open bin. */
  finish(batch: FallBatch): void {
    this.target = batch;
    this.resampler.finish();
    this.target = null;
  }

  /**
   * Refractory part of the decision rule: true if an alarm at `peakMs` is not within
   * `refractoryMs` of the previous one (one fall, one alarm), or if its impact is at least as hard
   * as the previous alarm's (`peakG` at least `REARM_RATIO` times it) and `REARM_GAP_MS` after it:
   * a person who slumps or stumbles before they fall can alarm on that, and the fall itself must
   * still be reported.
   */
  admitAlarm(peakMs: number, peakG: number, refractoryMs: number): boolean {
    const since = peakMs - this.lastAlarmMs;
    if (since < refractoryMs && (since < REARM_GAP_MS || peakG < this.lastAlarmG * REARM_RATIO)) return false;
    this.lastAlarmMs = peakMs;
    this.lastAlarmG = peakG;
    return true;
  }

  /** @internal resampler output */
  accept(x: number, y: number, z: number): void {
    const t = this.resampler.nextTickMs();
    if (this.ring.count === 0) {
      // a stream starts mid-life: pretend the first sample held for the pre-impact span so
      // an impact in the first seconds still gets a full window
      for (let i = 0; i < this.spec.preSamples; i++) this.ring.push(t, x, y, z);
    }
    this.ring.push(t, x, y, z);
    const n = this.ring.count;
    if (n >= this.window && (n - this.window) % this.spec.hopSamples === 0) this.inspect(n);
  }

  /** @internal resampler output */
  restart(): void {
    this.ring.clear();
  }

  private inspect(n: number): void {
    const { preSamples: pre, hopSamples: hop, prefilterG } = this.spec;
    const ring = this.ring;
    const m = ring.m;
    const slot0 = n - this.window + pre;
    let p = slot0;
    let peak = -1;
    for (let i = slot0; i < slot0 + hop; i++) {
      const v = m[ring.slot(i)]!;
      if (v >= peak) {
        peak = v; // last of equal maxima, so a clipped plateau still yields one candidate
        p = i;
      }
    }
    if (peak < prefilterG) return;
    for (let i = p - hop; i < p; i++) if (m[ring.slot(i)]! > peak) return;
    for (let i = p + 1; i <= p + hop; i++) if (m[ring.slot(i)]! >= peak) return;
    const batch = this.target;
    if (batch === null) return;
    const offset = batch.reserve(this, ring.tMs[ring.slot(p)]!, peak);
    this.features.writeFromRing(ring, p, batch.input, offset);
  }
}
