/**
 * The shapes of the service orders' HTTP answers, with their kinds and statuses (OpenAPI is
 * generated from them). Only zod is imported, because the console
 * compiles this file too and reads its types from these schemas.
 */
import { z } from 'zod';

/** What an elder, their family or a specialist may ask for. */
export const requestKinds = ['meal_delivery', 'visit', 'accompany_clinic', 'phone_help'] as const;
/** …plus the record of a volunteer's answer to an alert. */
export const serviceKinds = [...requestKinds, 'emergency_response'] as const;
export const serviceStatuses = [
  'requested',
  'taken',
  'in_progress',
  'done',
  'rated',
  'certified',
  'cancelled',
] as const;
/** Each kind's name in the console and in the report files. */
export const serviceKindLabels: Record<(typeof serviceKinds)[number], { zh: string; en: string }> = {
  meal_delivery: { zh: '送餐', en: 'Meal delivery' },
  visit: { zh: '探访', en: 'Visit' },
  accompany_clinic: { zh: '陪同就医', en: 'Clinic escort' },
  phone_help: { zh: '电话关怀', en: 'Phone call' },
  emergency_response: { zh: '紧急响应', en: 'Emergency response' },
};
export type RequestKind = (typeof requestKinds)[number];

/** What a request asks for, for one order or a recurring one. */
export const requestFields = {
  elder_id: z.string().min(1).max(64),
  kind: z.enum(requestKinds),
  note: z
    .string()
    .trim()
    .max(2000)
    .default('')
    .describe('shown to the community’s volunteers before one takes it: no names or addresses'),
};
export type ServiceKind = (typeof serviceKinds)[number];
export type ServiceStatus = (typeof serviceStatuses)[number];

/** A service order as its reader may see it (`view` in service-order-model.ts). */
export const serviceOrderSchema = z.object({
  id: z.string(),
  kind: z.enum(serviceKinds),
  status: z.enum(serviceStatuses),
  note: z.string().describe('as typed; for an emergency response the English fallback of `note_code`'),
  note_code: z
    .string()
    .nullable()
    .describe('the hub’s own note (an emergency response): a stable code to render in any language'),
  note_params: z.record(z.string(), z.unknown()).nullable().describe('the parameters of `note_code`'),
  wanted_at: z.number().describe('ms since the Unix epoch'),
  community_id: z.string(),
  org_unit_id: z.string().nullable().describe('null for a volunteer whose task it is not'),
  elder: z
    .object({
      id: z.string(),
      name: z.string(),
      address: z.string(),
      lat: z.number().nullable().describe('the home, where check-in and check-out must be (within 100 m)'),
      lon: z.number().nullable(),
    })
    .nullable()
    .describe('null for a volunteer whose task it is not (yet, or any more)'),
  requested_by: z.string().nullable(),
  requested_at: z.number(),
  volunteer_id: z.string().nullable(),
  taken_at: z.number().nullable(),
  checked_in_at: z.number().nullable(),
  checked_out_at: z.number().nullable(),
  measured_minutes: z.number().nullable().describe('check-out − check-in, whole minutes'),
  rating: z.number().nullable(),
  rating_comment: z.string().nullable(),
  claimed_minutes: z.number().nullable(),
  certified_by: z.string().nullable(),
  certified_at: z.number().nullable(),
  credit: z
    .object({ status: z.string(), credited_minutes: z.number().nullable(), capped_by: z.string().nullable() })
    .nullable()
    .describe("the ledger's answer: paid, or flagged for a specialist's decision"),
  alert_id: z.string().nullable(),
  updated_at: z.number(),
  proof: z
    .object({
      check_in_distance_m: z.number().nullable().describe('metres from the home at check-in'),
      check_out_distance_m: z.number().nullable().describe('metres from the home at check-out'),
      code_shown: z.boolean().describe('the elder’s watch took the visit’s confirmation code'),
      confirmation: z
        .enum(['elder_code', 'family'])
        .nullable()
        .describe(
          'who confirmed the visit; null: unconfirmed, so certifying it waits for a specialist’s decision',
        ),
      confirmed_by: z.string().nullable(),
      confirmed_at: z.number().nullable(),
    })
    .describe(
      'proof of the visit: positions at check-in and check-out, and the elder’s or family’s confirmation',
    ),
});

/** A request that publishes itself (recurring-requests.ts). */
export const recurringRequestSchema = z.object({
  id: z.string(),
  elder: z.object({ id: z.string(), name: z.string() }),
  kind: z.string(),
  note: z.string(),
  weekdays: z.array(z.number().int()).describe('ISO weekdays: 1 Monday … 7 Sunday'),
  time: z.string().describe('HH:MM, local'),
  lead_hours: z.number().int(),
  starts_on: z.string(),
  ends_on: z.string().nullable(),
  active: z.boolean(),
  created_by: z.string(),
  created_at: z.number(),
  stopped_by: z.string().nullable(),
  stopped_at: z.number().nullable(),
  next_wanted_at: z.number().nullable().describe('ms; null once stopped or past its last day'),
});

/** A volunteer's own record (volunteer-record.ts). */
export const volunteerRecordSchema = z.object({
  volunteer_id: z.string(),
  upcoming: z.array(serviceOrderSchema).describe('taken or in progress, soonest first'),
  past: z.array(serviceOrderSchema).describe('served, newest first (at most 200)'),
  measured_minutes: z.number().describe('check-in to check-out, all served orders'),
  credited_minutes: z.number().describe('paid or approved by the time bank'),
  awaiting_decision: z.number().describe('certified services whose credits wait for a specialist’s decision'),
  months: z.array(
    z.object({
      month: z.string().describe('YYYY-MM, local time'),
      services: z.number(),
      measured_minutes: z.number(),
      credited_minutes: z.number(),
    }),
  ),
  skills: z.array(z.string()).describe('what dispatch matches the volunteer on'),
});
