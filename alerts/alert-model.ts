/**
 * An alert's vocabulary and its shape, as the hub keeps it and the API and console feed send it.
 * Only Node-free imports, because the console compiles and bundles it too: its types and lists are these.
 */
import type { AlertKind, Severity } from './alert-kinds.js';

export { type AlertKind, alertKinds, type Severity } from './alert-kinds.js';
export const severities = ['critical', 'high', 'medium', 'low'] as const satisfies readonly Severity[];
export const alertStatuses = ['open', 'assigned', 'on_site', 'resolved', 'cancelled'] as const;
export type AlertStatus = (typeof alertStatuses)[number];
/** Severity as a number that grows with urgency (0: nothing raised). */
export const severityRank: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };
export const activeStatuses: AlertStatus[] = ['open', 'assigned', 'on_site'];

/** What a specialist may close an alert with (the hub itself also closes with `wearer_ok`). */
export const outcomes = [
  'real_emergency',
  'false_alarm',
  'hospital_transfer',
  'not_home',
  'help_given',
  'device_fixed',
  'other',
] as const;
export type Outcome = (typeof outcomes)[number];

export interface Alert {
  id: string;
  elder_id: string | null;
  elder_name: string | null;
  /** The elder's home (building and flat): people of the same name are told apart by it. */
  elder_address: string | null;
  /** The community the alert lies in. */
  community_name: string | null;
  /** From the care record (YYYY-MM-DD), for the elder's age in the queue; null when not given. */
  elder_birth_date: string | null;
  device_id: string | null;
  org_unit_id: string;
  kind: AlertKind;
  severity: Severity;
  status: AlertStatus;
  opened_at: number;
  updated_at: number;
  closed_at: number | null;
  outcome: string | null;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  assignee_id: string | null;
  accepted_at: number | null;
  on_site_at: number | null;
  details: Record<string, unknown>;
}
