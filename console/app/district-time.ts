/**
 * The district's clock, whatever the browser's zone: a report's days start at its midnight, and a
 * request wanted "at 11:30" is wanted at 11:30 there (as the hub counts it). Its UTC offset is the
 * hub's (`TIMEBANK_UTC_OFFSET_MINUTES`, China's time by default), learnt at sign-in.
 */
let offsetMs = 8 * 3600_000;
export const dayMs = 86_400_000;

/** The hub's UTC offset (`/console/config`), before any screen shows a time. */
export function learnDistrictClock(utcOffsetMinutes: number): void {
  offsetMs = utcOffsetMinutes * 60_000;
}

/**
 * `at` moved by the district's offset: read it in UTC (getUTC…, `timeZone: 'UTC'`) to get the
 * district's wall clock, without relying on the browser knowing the zone's name.
 */
export const districtWallClock = (at: number): Date => new Date(at + offsetMs);

/** The district's date (YYYY-MM-DD) at `at`. */
export const localDay = (at: number): string => districtWallClock(at).toISOString().slice(0, 10);
/** The district's time of day (HH:MM) at `at`. */
export const localClock = (at: number): string => districtWallClock(at).toISOString().slice(11, 16);
/** A service's time as every list shows it ("2026-12-05 14:30"): when it is wanted or was done. */
export const when = (at: number): string => `${localDay(at)} ${localClock(at)}`;
/** The moment a district date (YYYY-MM-DD) begins. */
export const dayStart = (day: string): number => Date.parse(`${day}T00:00:00Z`) - offsetMs;
/** A district date and time of day (HH:MM) as a moment. */
export const localMoment = (day: string, clock: string): number =>
  Date.parse(`${day}T${clock}:00Z`) - offsetMs;
