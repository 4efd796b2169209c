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
});
