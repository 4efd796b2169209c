import { z } from 'zod';
import type { WelfareOccurrenceTable, WelfareScheduleTable } from '../../store/schema.js';

/**
 * `check_in`: "早上好，请按确认" — unanswered, a `welfare_check` alert. `medication`: a reminder
 * whose answer records the dose as taken; unanswered it is recorded as missed, and raises nothing
 * (README › Welfare checks says why).
 */
export const welfareKinds = ['check_in', 'medication'] as const;
export type WelfareKind = (typeof welfareKinds)[number];

/** What the watch shows when the schedule names no text of its own. */
export const defaultTexts: Record<WelfareKind, string> = {
  check_in: '早上好，请按确认',
  medication: '该吃药了，吃完请按确认',
};
export const defaultWaitMinutes = 15;

const time = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM, 00:00 to 23:59 (local time)')
  .describe('local time of day (the hub’s UTC offset, UTC+8 by default), HH:MM');
const text = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(80, 'must be at most 80 characters (a watch screen)')
  .describe('what the watch shows; without it a default in Chinese for the kind');
const waitMinutes = z
  .number()
  .int()
  .min(1)
  .max(240)
  .describe('minutes the wearer has to press confirm; unanswered by then it is missed');

export const scheduleCreateSchema = z.strictObject({
  kind: z.enum(welfareKinds),
  time,
  text: text.optional(),
  wait_minutes: waitMinutes.default(defaultWaitMinutes),
  enabled: z.boolean().default(true),
});
export const scheduleChangeSchema = z
  .strictObject({
    time: time.optional(),
    text: text.optional(),
    wait_minutes: waitMinutes.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((c) => Object.keys(c).length > 0, 'name at least one of time, text, wait_minutes, enabled');
export type ScheduleChange = z.infer<typeof scheduleChangeSchema>;

export const scheduleSchema = z.object({
  id: z.string(),
  elder_id: z.string(),
  kind: z.enum(welfareKinds),
  time,
  text: z.string(),
  wait_minutes: z.number(),
  enabled: z.boolean(),
  updated_at: z.number(),
  updated_by: z.string(),
});
export const occurrenceSchema = z.object({
  id: z.string().describe('also the command_id of the notify command the watch answers'),
  schedule_id: z.string(),
  kind: z.enum(welfareKinds),
  text: z.string(),
  day: z.string().describe('the local day it was due, YYYY-MM-DD'),
  due_at: z.number(),
  device_id: z.string().nullable().describe('the watch it went to; null: the elder had none to answer on'),
  sent_at: z.number().nullable(),
  deadline_at: z.number().nullable(),
  status: z
    .enum(['pending', 'acknowledged', 'missed'])
    .describe('acknowledged: answered in time (a medication taken); missed: not answered in time'),
  acknowledged_at: z.number().nullable().describe('also set when a missed one is answered late'),
  missed_at: z.number().nullable(),
  alerted_at: z.number().nullable().describe('when the welfare_check alert was raised (check-ins only)'),
});
export type Schedule = z.infer<typeof scheduleSchema>;
export type Occurrence = z.infer<typeof occurrenceSchema>;

export const minuteOfDay = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
export const timeOfDay = (minute: number): string =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

export function scheduleOf(row: WelfareScheduleTable): Schedule {
  return {
    id: row.id,
    elder_id: row.elder_id,
    kind: row.kind as WelfareKind,
    time: timeOfDay(row.minute_of_day),
    text: row.text,
    wait_minutes: row.wait_minutes,
    enabled: row.enabled === 1,
    updated_at: row.updated_at,
    updated_by: row.updated_by,
  };
}

export function occurrenceOf(row: WelfareOccurrenceTable): Occurrence {
  const { elder_id: _elder, wait_minutes: _wait, ...rest } = row;
  return { ...rest, kind: row.kind as WelfareKind, status: row.status as Occurrence['status'] };
}
