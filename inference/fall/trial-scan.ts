import type { FallBatch } from './batch.js';
import type { FallStream } from './stream.js';

/** A recording of wrist acceleration (g), sample times in ms. */
export interface Recording {
  tMs: Float64Array;
  x: Float32Array;
  y: Float32Array;
  z: Float32Array;
}

/** Streams a whole recording sample by sample, as the hub would, into `batch`. */
export function scanRecording(r: Recording, stream: FallStream, batch: FallBatch): void {
  for (let i = 0; i < r.tMs.length; i++) stream.push(r.tMs[i]!, r.x[i]!, r.y[i]!, r.z[i]!, batch);
  stream.finish(batch);
}

/** Time of the largest magnitude (the impact of a recorded fall). */
export function peakTimeMs(r: Recording): number {
  let best = 0;
  let bestM = -1;
  for (let i = 0; i < r.tMs.length; i++) {
    const m = r.x[i]! ** 2 + r.y[i]! ** 2 + r.z[i]! ** 2;
    if (m > bestM) {
      bestM = m;
      best = r.tMs[i]!;
    }
  }
  return best;
}
