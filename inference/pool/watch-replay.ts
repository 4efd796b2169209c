import { resampleRecording } from '../fall/resample.js';

/** One second of acceleration as a watch sends it in its telemetry (`accel`). */
export interface AccelSecond {
  hz: number;
  x: number[];
  y: number[];
  z: number[];
}

/**
 * A recording (any rate, irregular timestamps) cut into the one-second `accel` payloads a
 * watch streaming at `hz` would send, plus `tailS` seconds holding the last sample (the
 * wearer lying still after the recording ends). For tests, the bench and simulators.
 */
export function watchSeconds(
  rec: { tMs: ArrayLike<number>; x: ArrayLike<number>; y: ArrayLike<number>; z: ArrayLike<number> },
  hz: number,
  tailS = 0,
): AccelSecond[] {
  const r = resampleRecording(rec.tMs, rec.x, rec.y, rec.z, hz);
  const seconds: AccelSecond[] = [];
  const n = r.x.length;
  const total = Math.ceil(n / hz) + tailS;
  for (let s = 0; s < total; s++) {
    const second: AccelSecond = { hz, x: [], y: [], z: [] };
    for (let k = 0; k < hz; k++) {
      const i = Math.min(n - 1, s * hz + k);
      second.x.push(r.x[i]!);
      second.y.push(r.y[i]!);
      second.z.push(r.z[i]!);
    }
    seconds.push(second);
  }
  return seconds;
}

/** Index of the second holding the largest acceleration magnitude (a fall's impact). */
export function impactSecond(seconds: AccelSecond[]): number {
  let best = 0;
  let peak = -1;
  seconds.forEach((s, i) => {
    for (let k = 0; k < s.x.length; k++) {
      const m = Math.hypot(s.x[k]!, s.y[k]!, s.z[k]!);
      if (m > peak) {
        peak = m;
        best = i;
      }
    }
  });
  return best;
}
