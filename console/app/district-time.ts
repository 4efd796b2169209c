/**
 * The district works in China's time (UTC+8), whatever the browser's zone: a report's days start at
 * local midnight, and a request wanted "at 11:30" is wanted at 11:30 there (as the hub counts it).
 */
const offsetMs = 8 * 3600_000;
/** The same clock by its IANA name, for Intl (China keeps UTC+8 all year). */
export const districtTimeZone = 'Asia/Shanghai';
export const dayMs = 86_400_000;

/** The district's date (YYYY-MM-DD) at `at`. */
export const localDay = (at: number): string => new Date(at + offsetMs).toISOString().slice(0, 10);
/** The district's time of day (HH:MM) at `at`. */
export const localClock = (at: number): string => new Date(at + offsetMs).toISOString().slice(11, 16);
/** The moment a district date (YYYY-MM-DD) begins. */
export const dayStart = (day: string): number => Date.parse(`${day}T00:00:00Z`) - offsetMs;
/** A district date and time of day (HH:MM) as a moment. */
export const localMoment = (day: string, clock: string): number =>
  Date.parse(`${day}T${clock}:00Z`) - offsetMs;
