/** How long dispatch waits, and how near counts as there. */
export interface DispatchTimings {
  /** An offer not accepted within this moves the ladder on. */
  offerExpiryMs: number;
  /** A responder whose app has been disconnected this long is not offered tasks (nothing would reach them). */
  appOfflineGraceMs: number;
  /** A responder checks in on site within this distance of the home. */
  onSiteRadiusM: number;
  /**
   * When a responder who took a task is expected at the door: the way at walking pace plus a
   * grace, at most `maxMs`. Not checked in by then, the task goes back and the ladder resumes.
   */
  arrival: { metresPerSecond: number; graceMs: number; maxMs: number };
}

export const defaultDispatchTimings: DispatchTimings = {
  offerExpiryMs: 45_000,
  appOfflineGraceMs: 60_000,
  onSiteRadiusM: 100,
  // 1.2 m/s is an older volunteer's walking pace; five minutes to get going; the 45-minute service level at most.
  arrival: { metresPerSecond: 1.2, graceMs: 5 * 60_000, maxMs: 45 * 60_000 },
};

/** The check-in deadline of a task taken `distanceM` away (unknown: the longest). */
export function arrivalDeadline(timings: DispatchTimings, now: number, distanceM: number | null): number {
  const { metresPerSecond, graceMs, maxMs } = timings.arrival;
  if (distanceM === null) return now + maxMs;
  return now + Math.round(Math.min(maxMs, graceMs + (distanceM / metresPerSecond) * 1000));
}
