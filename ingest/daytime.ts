/**
 * Waking hours of a place with a fixed UTC offset (China has one time zone and no
 * daylight saving: UTC+8). Hours are local, `startHour` inclusive, `endHour` exclusive.
 */
export interface Daytime {
  startHour: number;
  endHour: number;
  utcOffsetMinutes: number;
}

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/** Start of the local day containing `t`, in UTC ms. */
function localDayStart(t: number, offsetMs: number): number {
  return Math.floor((t + offsetMs) / dayMs) * dayMs - offsetMs;
}

/**
 * The instant at which `span` ms of daytime have passed since `from` (night time does
 * not count): e.g. a watch taken off at 06:00 with a 30-minute span is due at 07:30.
 */
export function afterDaytime(from: number, span: number, daytime: Daytime): number {
  const offsetMs = daytime.utcOffsetMinutes * 60_000;
  let remaining = span;
  let t = from;
  for (let guard = 0; guard < 400; guard++) {
    const day = localDayStart(t, offsetMs);
    const open = day + daytime.startHour * hourMs;
    const close = day + daytime.endHour * hourMs;
    if (t < open) t = open;
    if (t < close) {
      if (t + remaining <= close) return t + remaining;
      remaining -= close - t;
    }
    t = day + dayMs + daytime.startHour * hourMs;
  }
  return Number.POSITIVE_INFINITY;
}

export function isDaytime(t: number, daytime: Daytime): boolean {
  const offsetMs = daytime.utcOffsetMinutes * 60_000;
  const hour = (t - localDayStart(t, offsetMs)) / hourMs;
  return hour >= daytime.startHour && hour < daytime.endHour;
}
