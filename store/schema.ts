/** Times are milliseconds since the Unix epoch (UTC) in every table. */
type Millis = number;

export interface OrgUnitTable {
  id: string;
  name: string;
  level: string;
  parent_id: string | null;
  /** Materialised ancestry, e.g. `/futian/lianhua/jingtian/`: scope checks are a prefix match. */
  path: string;
  updated_at: Millis;
}

export interface ElderTable {
  id: string;
  name: string;
  org_unit_id: string;
  address: string;
  lat: number | null;
  lon: number | null;
  updated_at: Millis;
}

export interface DeviceTable {
  id: string;
  type: string;
  elder_id: string | null;
  secret_hash: string;
  revoked_at: Millis | null;
  created_at: Millis;
}

export interface ResponderTable {
  id: string;
  name: string;
  kind: string;
  org_unit_id: string;
  /** JSON array of skill names. */
  skills: string;
  lat: number | null;
  lon: number | null;
  updated_at: Millis;
}

export interface UserTable {
  username: string;
  password_hash: string;
  role: string;
  /** NULL: the whole hub. */
  org_unit_id: string | null;
  updated_at: Millis;
}

export interface SessionTable {
  token_hash: string;
  username: string;
  expires_at: Millis;
}

export interface DeviceEventTable {
  device_id: string;
  event_id: string;
  type: string;
  device_ts: Millis;
  received_at: Millis;
  /** The validated event as JSON. */
  payload: string;
  /** Set once the alert rules have seen it: unhandled events are replayed after a crash. */
  handled_at: Millis | null;
}

export interface AlertTable {
  id: string;
  elder_id: string | null;
  device_id: string | null;
  org_unit_id: string;
  kind: string;
  severity: string;
  status: string;
  opened_at: Millis;
  updated_at: Millis;
  /** The device event that opened it, if any. */
  source_event_id: string | null;
  /** JSON object: the evidence and context of the alert. */
  details: string;
  closed_at: Millis | null;
  outcome: string | null;
}

export interface DeviceHealthTable {
  device_id: string;
  last_seen_at: Millis | null;
  /** 1 online, 0 offline (availability or silence). */
  online: number;
  battery: number | null;
  /** 1 worn, 0 off the wrist, NULL unknown (watches only). */
  worn: number | null;
  not_worn_since: Millis | null;
  updated_at: Millis;
}

export interface ActiveIncidentTable {
  incident_key: string;
  alert_id: string;
}

export interface AlertTransitionTable {
  alert_id: string;
  at: Millis;
  /** A username, or `hub` for the hub's own rules. */
  actor: string;
  from_status: string | null;
  to_status: string;
  note: string | null;
}

/** One device's minute: sums and counts, so minutes merge exactly into longer steps. */
export interface RollupTable {
  device_id: string;
  /** Start of the minute (ms, UTC). */
  minute: Millis;
  elder_id: string | null;
  hr_min: number | null;
  hr_max: number | null;
  hr_sum: number;
  hr_count: number;
  spo2_min: number | null;
  spo2_max: number | null;
  spo2_sum: number;
  spo2_count: number;
  br_min: number | null;
  br_max: number | null;
  br_sum: number;
  br_count: number;
  steps: number | null;
  presence_ms: number;
  standing_ms: number;
  sitting_ms: number;
  lying_ms: number;
  door_openings: number;
}

export interface Tables {
  org_units: OrgUnitTable;
  elders: ElderTable;
  devices: DeviceTable;
  responders: ResponderTable;
  users: UserTable;
  sessions: SessionTable;
  device_events: DeviceEventTable;
  alerts: AlertTable;
  device_health: DeviceHealthTable;
  active_incidents: ActiveIncidentTable;
  alert_transitions: AlertTransitionTable;
  rollups_1m: RollupTable;
}
