/**
 * The shapes of the service orders' HTTP answers, with their kinds and statuses (OpenAPI is
 * generated from them). Only zod is imported, because the console
 * compiles this file too and reads its types from these schemas.
 */
import { z } from 'zod';
import { volunteerSchema } from '../registry/volunteer-sign-up.js';

/**
 * What an elder, their family or a specialist may ask for is the district's stored menu of service
 * kinds (services/service-kinds.ts, `GET /api/v1/service-kinds`), which its admins extend: a kind is
 * its stable code. The hub's own kind, the record of a volunteer's answer to an alert, is not on the
 * menu and is never requested.
 */
export const emergencyResponseKind = 'emergency_response';
export const serviceStatuses = [
  'requested',
  'taken',
  'in_progress',
  'done',
  'rated',
  'certified',
  'cancelled',
] as const;
/** The hub's own kinds' names (the menu's kinds are named by the stored list). */
export const serviceKindLabels: Record<typeof emergencyResponseKind, { zh: string; en: string }> = {
  emergency_response: { zh: '紧急响应', en: 'Emergency response' },
};
/** A code of the menu of service kinds. */
export type RequestKind = string;

/** What a request asks for, for one order or a recurring one. */
export const requestFields = {
  elder_id: z.string().min(1).max(64),
  kind: z
    .string()
    .min(1)
    .max(64)
    .describe(
      'a service kind’s code (GET /api/v1/service-kinds) that is not retired; else 400 unknown_kind or retired_kind',
    ),
  note: z
    .string()
    .trim()
    .max(2000)
    .default('')
    .describe('shown to the community’s volunteers before one takes it: no names or addresses'),
};
/** A code of the menu, or the hub's own `emergency_response`. */
export type ServiceKind = string;
export type ServiceStatus = (typeof serviceStatuses)[number];

/** A service order as its reader may see it (`view` in service-order-model.ts). */
export const serviceOrderSchema = z.object({
  id: z.string(),
  kind: z
    .string()
    .describe('a service kind’s code (GET /api/v1/service-kinds, retired ones too) or emergency_response'),
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

const kindLabel = (lang: string) =>
  z
    .string()
    .trim()
    .min(1, `the ${lang} label must not be empty`)
    .max(40, `the ${lang} label is at most 40 characters`);

/** A new kind of service for the menu: its stable code and its name in both languages. */
export const serviceKindInput = z
  .object({
    code: z
      .string()
      .trim()
      .regex(
        /^[a-z][a-z0-9_]{1,39}$/,
        'the code is 2–40 lowercase letters, digits or _, starting with a letter (e.g. haircut)',
      ),
    label_zh: kindLabel('Chinese'),
    label_en: kindLabel('English'),
  })
  .strict();

/** A new name for a kind, in one language or both. */
export const serviceKindRename = z
  .object({ label_zh: kindLabel('Chinese').optional(), label_en: kindLabel('English').optional() })
  .strict()
  .refine((b) => b.label_zh !== undefined || b.label_en !== undefined, 'name label_zh, label_en or both');

/** A kind of the menu as the API shows it (service-kinds.ts). */
export const serviceKindSchema = z.object({
  code: z.string(),
  label_zh: z.string(),
  label_en: z.string(),
  position: z.number().int().describe('the menu’s order'),
  active: z.boolean().describe('false once retired: it cannot be requested, its orders keep its name'),
  created_at: z.number(),
  created_by: z.string().describe('a username; `seed` for the seed’s menu'),
  updated_at: z.number(),
  retired_at: z.number().nullable(),
  retired_by: z.string().nullable(),
});

/** One change of the menu, from its audit trail. */
export const serviceKindChangeSchema = z.object({
  code: z.string(),
  at: z.number(),
  actor: z.string(),
  actor_role: z.string(),
  action: z.enum(['added', 'renamed', 'retired', 'restored']),
  detail: z.record(z.string(), z.unknown()).describe('the labels before and after'),
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
  certificates: volunteerSchema.shape.certificates,
  trainings: volunteerSchema.shape.trainings,
});
