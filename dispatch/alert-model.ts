/**
 * An alert's vocabulary and its shape, as the hub keeps it and the API and console feed send it.
 * No imports, because the console compiles and bundles it too: its types and lists are these.
 */
export const alertKinds = [
  'fall',
  'sos',
  'vitals',
  'wandering',
  'inactivity',
  'device_offline',
  'low_battery',
  'not_worn',
] as const;
export const severities = ['critical', 'high', 'medium', 'low'] as const;
export const alertStatuses = ['open', 'assigned', 'on_site', 'resolved', 'cancelled'] as const;
export type AlertKind = (typeof alertKinds)[number];
export type Severity = (typeof severities)[number];
export type AlertStatus = (typeof alertStatuses)[number];
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
