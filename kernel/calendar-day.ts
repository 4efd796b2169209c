import { z } from 'zod';

/** `YYYY-MM-DD`, a real calendar day ("2026-40-00" is refused: toISOString() on it would throw). */
export const calendarDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((d) => {
    const at = new Date(`${d}T00:00:00Z`);
    return !Number.isNaN(at.getTime()) && at.toISOString().startsWith(d);
  }, 'must be a real calendar day');

/** The district works in China's time (UTC+8): its days start at local midnight. */
const districtOffsetMs = 8 * 3_600_000;

/** The moment a district day (YYYY-MM-DD) ends: something valid "until" that day holds through it. */
export function dayEndsAt(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) - districtOffsetMs + 86_400_000;
}

/** The district's day (YYYY-MM-DD) at `at`. */
export function districtDay(at: number): string {
  return new Date(at + districtOffsetMs).toISOString().slice(0, 10);
}
