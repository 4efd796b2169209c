/**
 * From when a device's silence is counted at the earliest, once a hub process starts watching it
 * (a start, or a takeover of its partition) at `at`, given its last sighting the store or this
 * process knows. Counting from `at` alone let a hub that crashes faster than a radar's two-minute
 * limit never notice a radar that died before the crash.
 * - Nothing known: from `at`.
 * - Its limit ran out a whole limit or more before `at` (a long outage of the hub, or an old silence
 *   whose alert was closed): the hub's downtime is not the device's: from `at`, as before.
 * - Otherwise from its last sighting, yet never due sooner than `graceMs` after `at`: the stored time
 *   lags the device by up to a minute, and a live device needs a moment to reconnect.
 */
export function silenceCountedFrom(p: {
  lastSeenAt: number | null;
  silenceTimeoutMs: number;
  at: number;
  graceMs: number;
}): number {
  const { lastSeenAt, silenceTimeoutMs: limit, at } = p;
  if (lastSeenAt === null || lastSeenAt + 2 * limit <= at) return at;
  return Math.max(lastSeenAt, at + Math.min(p.graceMs, limit) - limit);
}
