import { isDaytime } from '../../ingest/daytime.js';

/**
 * A span of local clock hours at a fixed UTC offset (China: UTC+8, no daylight saving).
 * `startHour` inclusive, `endHour` exclusive; a span may wrap midnight (23 → 5).
 */
export interface LocalHours {
  startHour: number;
  endHour: number;
  utcOffsetMinutes: number;
}

const dayMs = 86_400_000;

/** Whether `t` falls in the span; a wrapping span is the complement of the daytime it leaves out. */
export function inLocalHours(t: number, hours: LocalHours): boolean {
  if (hours.startHour === hours.endHour) return false;
  if (hours.startHour < hours.endHour) return isDaytime(t, hours);
  return !isDaytime(t, {
    startHour: hours.endHour,
    endHour: hours.startHour,
    utcOffsetMinutes: hours.utcOffsetMinutes,
  });
}

/** The local calendar day of `t` as a day number (days since 1970-01-01 local). */
export function localDay(t: number, utcOffsetMinutes: number): number {
  return Math.floor((t + utcOffsetMinutes * 60_000) / dayMs);
}
