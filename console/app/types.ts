/**
 * The hub's API shapes as the app reads them, named here and defined once in the hub: its
 * response schemas (OpenAPI is generated from them) and its socket messages. Those hub modules
 * import nothing of Node, so this app's type check compiles them; type-only, so the bundle takes
 * none of them (alert-model.ts and ledger-kinds.ts, plain lists, excepted).
 */
import type { z } from 'zod';
import type { Outcome, Severity } from '../../alerts/alert-model';
import type { timelineEntrySchema } from '../../alerts/timeline-notes';
import type { vitalsPointSchema } from '../../ingest/api-schemas';
import type { deviceSchema, meSchema } from '../../registry/api-schemas';
import type { districtReportSchema, orgUnitSchema } from '../../reports/api-schemas';
import type {
  recurringRequestSchema,
  serviceKindSchema,
  serviceOrderSchema,
  volunteerRecordSchema,
} from '../../services/api-schemas';
import type {
  accountListingSchema,
  accountViewSchema,
  catalogItemSchema,
  claimSchema,
  redemptionRecordSchema,
  statementSchema,
} from '../../timebank/api-schemas';
import type { boardElderSchema, boardResponderSchema, consoleConfigSchema } from '../api-schemas';

export type { Alert, Severity } from '../../alerts/alert-model';
export { activeStatuses } from '../../alerts/alert-model';
export type { OfferView as Offer, TaskView as Task } from '../../dispatch/dispatch-notices';
export { accountKinds } from '../../timebank/ledger-kinds';

export type Me = z.output<typeof meSchema>;
export type ConsoleConfig = z.output<typeof consoleConfigSchema>;
export type TimelineEntry = z.output<typeof timelineEntrySchema>;
export type Device = z.output<typeof deviceSchema>;
export type Elder = z.output<typeof boardElderSchema>;
export type Responder = z.output<typeof boardResponderSchema>;
export type VitalsPoint = z.output<typeof vitalsPointSchema>;
export type ServiceOrder = z.output<typeof serviceOrderSchema>;
export type VolunteerRecord = z.output<typeof volunteerRecordSchema>;
export type RecurringRequest = z.output<typeof recurringRequestSchema>;
export type ServiceKind = z.output<typeof serviceKindSchema>;
export type Claim = z.output<typeof claimSchema>;
export type AccountListing = z.output<typeof accountListingSchema>;
export type AccountView = z.output<typeof accountViewSchema>;
export type Statement = z.output<typeof statementSchema>;
export type CatalogItem = z.output<typeof catalogItemSchema>;
export type RedemptionRecord = z.output<typeof redemptionRecordSchema>;
export type OrgUnit = z.output<typeof orgUnitSchema>;
export type DistrictReport = z.output<typeof districtReportSchema>;

// The app's own: how alerts sort, and the order a specialist is offered the outcomes in.
export const severityRank: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };
export const outcomes = [
  'help_given',
  'real_emergency',
  'hospital_transfer',
  'false_alarm',
  'not_home',
  'device_fixed',
  'other',
] as const satisfies readonly Outcome[];

// Welfare check-ins and medication reminders (the hub's inference/welfare/, not importable here).
export interface WelfareSchedule {
  id: string;
  kind: 'check_in' | 'medication';
  time: string;
  text: string;
  wait_minutes: number;
  enabled: boolean;
}
export interface WelfareOccurrence {
  id: string;
  kind: 'check_in' | 'medication';
  day: string;
  due_at: number;
  status: 'pending' | 'acknowledged' | 'missed';
  acknowledged_at: number | null;
  alerted_at: number | null;
}
