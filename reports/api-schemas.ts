/**
 * The shapes of the reports' JSON answers (OpenAPI is generated from them). Only zod and
 * Node-free modules are imported, because the console compiles this file too for its types.
 */
import { z } from 'zod';
import { reportGroups } from '../alerts/alert-kinds.js';

const share = z.number().min(0).max(1).nullable();
const spread = z.object({ median_s: z.number().nullable(), p90_s: z.number().nullable() });

export const serviceLevelReportSchema = z.object({
  org_unit: z.string().nullable().describe('null: the whole hub'),
  from: z.number(),
  to: z.number(),
  alerts: z.number().int(),
  acknowledged_within_60s: share,
  acknowledged_within_180s: share,
  on_site_within_45min: share,
  acknowledge: spread,
  accept: spread,
  arrive: spread,
  targets: z.object({ answered_60s: z.number(), answered_180s: z.number() }),
});

const count = {
  alerts: z.number().int(),
  closed: z.number().int().describe('closed with an outcome'),
  false_alarms: z.number().int().describe('closed as false_alarm or wearer_ok'),
  false_alarm_share: share.describe('false_alarms / closed'),
};
/** An org unit a user may report on. */
export const orgUnitSchema = z.object({
  id: z.string(),
  name: z.string(),
  level: z.string(),
  parent_id: z.string().nullable(),
});

const feedbackCount = {
  requested: z.number().int().describe('service requests made in the period'),
  fulfilled: z.number().int().describe('done, rated or certified'),
  cancelled: z.number().int(),
  unmet: z.number().int().describe('still open, wanted before the period’s end'),
  pending: z.number().int().describe('open, wanted after the period’s end'),
  fulfilled_share: share.describe('fulfilled ÷ (fulfilled + cancelled + unmet)'),
  ratings: z.number().int(),
  average_rating: z.number().nullable().describe('1–5, two decimals; null without ratings'),
};
const unitFeedback = {
  ...feedbackCount,
  elders_served: z.number().int().describe('distinct elders with a fulfilled request'),
  credits_issued_minutes: z.number().int().describe('paid to volunteers for services in the period'),
  credits_redeemed_minutes: z.number().int().describe('spent on redemptions in the period'),
};

/** The feedback part of a report (requests of the period, by when they were made). */
export const serviceFeedbackSchema = z.object({
  totals: z.object(unitFeedback),
  by_unit: z.array(z.object({ org_unit_id: z.string(), name: z.string(), ...unitFeedback })),
  by_kind: z.array(z.object({ kind: z.string(), ...feedbackCount })),
  by_volunteer: z.array(
    z.object({
      volunteer_id: z.string(),
      name: z.string().nullable(),
      fulfilled: z.number().int(),
      ratings: z.number().int(),
      average_rating: z.number().nullable(),
    }),
  ),
  complaints: z
    .array(
      z.object({
        order_id: z.string(),
        kind: z.string(),
        org_unit_id: z.string(),
        org_unit_name: z.string(),
        elder_id: z.string(),
        elder_name: z.string().nullable(),
        volunteer_id: z.string().nullable(),
        volunteer_name: z.string().nullable(),
        rating: z.number().int(),
        comment: z.string().nullable(),
        wanted_at: z.number(),
      }),
    )
    .describe('ratings of 2 or less, newest first (at most 200)'),
  kind_names: z
    .record(z.string(), z.object({ zh: z.string(), en: z.string() }))
    .describe('each service kind’s name by code, retired kinds too (the menu is GET /api/v1/service-kinds)'),
});

/** A report for an org unit and a period: alerts by kind, unit and day, service levels, volunteer time. */
export const districtReportSchema = z.object({
  org_unit: orgUnitSchema,
  from: z.number(),
  to: z.number(),
  utc_offset_minutes: z.number().int().describe('of the day buckets'),
  service_levels: serviceLevelReportSchema,
  totals: z.object({
    ...count,
    volunteer_minutes: z.number().int(),
    services: z.number().int(),
  }),
  by_kind: z.array(
    z.object({
      kind: z.string(),
      group: z.enum(reportGroups).describe("the kind's group in the reports"),
      ...count,
    }),
  ),
  by_unit: z.array(
    z.object({
      org_unit_id: z.string(),
      name: z.string(),
      ...count,
      acknowledged_within_60s: share,
      volunteer_minutes: z.number().int().describe('certified in the period'),
      services: z.number().int(),
    }),
  ),
  by_day: z.array(z.object({ day: z.string().describe('YYYY-MM-DD, local'), ...count })),
  volunteers: z.array(
    z.object({
      volunteer_id: z.string(),
      name: z.string().nullable(),
      services: z.number().int(),
      minutes: z.number().int(),
    }),
  ),
  feedback: serviceFeedbackSchema,
});
