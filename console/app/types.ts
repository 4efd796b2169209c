/** The hub's shapes as the app reads them (see /api/v1/openapi.json). */
export type Role = 'admin' | 'specialist' | 'responder' | 'family';
export type Severity = 'critical' | 'high' | 'medium' | 'low';
export type AlertStatus = 'open' | 'assigned' | 'on_site' | 'resolved' | 'cancelled';

export interface Me {
  username: string;
  role: Role;
  org_unit_id: string | null;
}

export interface Alert {
  id: string;
  elder_id: string | null;
  elder_name: string | null;
  device_id: string | null;
  org_unit_id: string;
  kind: string;
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

export interface TimelineEntry {
  at: number;
  actor: string;
  from_status: string | null;
  to_status: string;
  /** English; for the hub's own notes the fallback of `code`. */
  note: string | null;
  /** The hub's own notes: rendered in the reader's language (timeline-text.ts). */
  code: string | null;
  params: Record<string, unknown> | null;
}

export interface Device {
  id: string;
  type: string;
  elder_id: string | null;
  org_unit_id: string | null;
  revoked_at: number | null;
  last_seen_at: number | null;
  online: boolean;
  battery: number | null;
  worn: boolean | null;
}

export interface Elder {
  id: string;
  name: string;
  org_unit_id: string;
  address: string;
  lat: number | null;
  lon: number | null;
  devices: Array<{ id: string; type: string }>;
}

export interface Responder {
  id: string;
  name: string;
  kind: string;
  org_unit_id: string;
  skills: string[];
  on_duty: boolean;
  lat: number | null;
  lon: number | null;
  located_at: number | null;
  task_alert_id: string | null;
}

export interface Range {
  min: number | null;
  mean: number | null;
  max: number | null;
}

export interface VitalsPoint {
  t: number;
  heart_rate: Range;
  spo2: Range;
  breathing_rate: Range;
  steps: number | null;
}

/** What a responder sees before accepting: what and how far, nobody's name. */
export interface Offer {
  offer_id: string;
  alert_id: string;
  kind: string;
  severity: Severity;
  distance_m: number;
  expires_at: number;
}

export interface Task {
  alert_id: string;
  kind: string;
  severity: Severity;
  elder: { id: string; name: string; address: string; lat: number | null; lon: number | null };
}

export const severityRank: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };
export const activeStatuses: AlertStatus[] = ['open', 'assigned', 'on_site'];
export const outcomes = [
  'help_given',
  'real_emergency',
  'hospital_transfer',
  'false_alarm',
  'not_home',
  'device_fixed',
  'other',
] as const;
