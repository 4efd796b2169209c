/**
 * How much earlier than the fall's device time an "I'm OK" may be stamped and still cancel it. The
 * fall's time may come from another device's clock (a radar's fall, the watch's `ok`); devices keep
 * network time to within a second or so, and a radar stamps its fall a few seconds after the impact.
 * 5 s covers both, while a stale "I'm OK" (a queued one from an earlier false alarm) is minutes older.
 */
export const okClockToleranceMs = 5000;

/**
 * The device time of a fall as kept in a window's or an alert's details: `fall_ts` (its first
 * detection's), else `detected_at` (the hub's time: alerts raised before `fall_ts` was kept); null
 * when neither is there (any "I'm OK" then cancels, as before).
 */
export function fallTsOf(details: Record<string, unknown>): number | null {
  const ts = details.fall_ts ?? details.detected_at;
  return typeof ts === 'number' ? ts : null;
}

/** The earlier of a detection's time and the one kept: the fall is as old as its first evidence. */
export function earliest(kept: unknown, ts: number): number {
  return typeof kept === 'number' ? Math.min(kept, ts) : ts;
}

/**
 * When the wearer pressed "I'm OK", by the watch's own clock as sent: the event's `ts` is replaced by the
 * hub's arrival time when it is more than 5 min off (ingest's clock-skew rule), which would make an
 * "I'm OK" queued in a watch offline for longer look new. A watch whose clock runs behind then cannot
 * cancel a fall: a visit that was not needed, never a fall left unalerted.
 */
export function pressedAt(event: { ts: number; data: Record<string, unknown> }): number {
  const sent = event.data.ts;
  return typeof sent === 'number' && Number.isFinite(sent) ? sent : event.ts;
}

/** An "I'm OK" pressed before the fall (delivered late, or redelivered): not about this fall. */
export function okPredates(okTs: number, fallTs: number | null): boolean {
  return fallTs !== null && okTs < fallTs - okClockToleranceMs;
}
