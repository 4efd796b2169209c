/** Acceleration samples as a watch sends them (g). */
export interface AccelSamples {
  x: readonly number[];
  y: readonly number[];
  z: readonly number[];
}

/**
 * Whether the wrist really moved: the standard deviation of the acceleration magnitude over
 * the reading's samples exceeds `thresholdG`. A wrist at rest (or a watch on the table) shows
 * gravity and sensor noise, about 0.01–0.02 g; any deliberate movement is well above 0.05 g.
 * One pass, no allocation.
 */
export function wristMoved(accel: AccelSamples, thresholdG: number): boolean {
  const n = Math.min(accel.x.length, accel.y.length, accel.z.length);
  if (n < 2) return false;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const x = accel.x[i]!;
    const y = accel.y[i]!;
    const z = accel.z[i]!;
    const magnitudeSq = x * x + y * y + z * z;
    sum += Math.sqrt(magnitudeSq);
    sumSq += magnitudeSq;
  }
  const mean = sum / n;
  return sumSq / n - mean * mean > thresholdG * thresholdG;
}
