import type { ColumnType } from 'kysely';

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
  /** The person's name, shown wherever they are named; null: shown by username. */
  display_name: ColumnType<string | null, string | null | undefined, string | null>;
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
  /** The device's elder when it sent it (null: none, or stored before 0022). */
  elder_id: ColumnType<string | null, string | null | undefined, string | null>;
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
  acknowledged_at: Millis | null;
  acknowledged_by: string | null;
  accepted_at: Millis | null;
  on_site_at: Millis | null;
  assignee_id: string | null;
  /** -1 before the escalation ladder starts, then the index of the last step taken. */
  ladder_step: ColumnType<number, number | undefined, number>;
  /** When the ladder takes its next step (stored: a restart resumes it). */
  next_step_at: Millis | null;
}

export interface ResponderStateTable {
  responder_id: string;
  on_duty: number;
  lat: number | null;
  lon: number | null;
  located_at: Millis | null;
  task_alert_id: string | null;
  /** When the responder's app lost its connection; null while connected (or never used). */
  app_offline_since: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  updated_at: Millis;
}

export interface OfferTable {
  id: string;
  alert_id: string;
  responder_id: string;
  /** pending, accepted, declined, expired, withdrawn */
  status: string;
  distance_m: number | null;
  ladder_step: number;
  created_at: Millis;
  expires_at: Millis;
  answered_at: Millis | null;
}

/** A notice for the district's webhook receiver, until delivered or given up (migration 0016). */
export interface NoticeDeliveryTable {
  id: string;
  /** offer, family_escalation */
  type: string;
  /** The JSON sent, exactly (its signature is over these bytes). */
  body: string;
  created_at: Millis;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Millis;
  /** Past it an undelivered notice is a dead letter: an offer past its expiry helps nobody. */
  give_up_at: Millis;
  delivered_at: Millis | null;
  dead_at: Millis | null;
  last_error: string | null;
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

/** A time-bank account: `<kind>:<owner_id>`, e.g. `volunteer:v-0001`, `fund:jingtian`. */
export interface TimebankAccountTable {
  id: string;
  /** volunteer (a responder id), elder, family (an org unit of level family), fund (any org unit) */
  kind: string;
  owner_id: string;
  /** The unit the account belongs to: scope checks and per-unit totals. */
  org_unit_id: string;
  /** How far below zero the balance may go (minutes, ≥ 0). */
  overdraft_minutes: number;
  /** Cached sum of the account's postings; the reconciliation proves it equal. */
  balance_minutes: number;
  /** Entries so far: the next posting is entry `posting_count + 1`. */
  posting_count: number;
  created_at: Millis;
}

export interface TimebankRequestTable {
  /** `<actor>/<Idempotency-Key>`: each user's keys are their own. */
  idempotency_key: string;
  operation: string;
  /** SHA-256 of the request's operation and content: the same key with other content is refused. */
  request_digest: string;
  actor: string;
  /** The original answer as JSON, returned again on a retry. */
  result: string;
  created_at: Millis;
}

export interface TimebankTransferTable {
  id: string;
  /** deposit, service, gift, allocation, redemption, correction */
  kind: string;
  org_unit_id: string;
  memo: string;
  request_key: string;
  /** For a correction: the transfer it reverses. */
  corrects_id: string | null;
  created_by: string;
  created_at: Millis;
  /** JSON object: service id, order id, beneficiary, catalog item… */
  details: string;
}

export interface TimebankPostingTable {
  account_id: string;
  entry_no: number;
  transfer_id: string;
  /** Signed: the postings of one transfer sum to zero. */
  amount_minutes: number;
  balance_after_minutes: number;
  created_at: Millis;
}

export interface TimebankServiceCreditTable {
  service_id: string;
  volunteer_id: string;
  org_unit_id: string;
  claimed_minutes: number;
  measured_minutes: number;
  /** NULL while flagged. */
  credited_minutes: number | null;
  /** paid, flagged, approved, rejected, reversed */
  status: string;
  /** service or day, when a cap cut the credit. */
  capped_by: string | null;
  /** Local date (UTC+8) the per-day cap counts against, `YYYY-MM-DD`. */
  service_day: string;
  certified_by: string;
  decided_by: string | null;
  transfer_id: string | null;
  created_at: Millis;
  decided_at: Millis | null;
}

export interface TimebankCatalogItemTable {
  id: string;
  /** The community whose catalog lists it. */
  org_unit_id: string;
  name: string;
  price_minutes: number;
  stock: number;
  /** 1 listed, 0 withdrawn (kept: past redemptions name it). */
  active: number;
  created_at: Millis;
  updated_at: Millis;
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
  responder_state: ResponderStateTable;
  offers: OfferTable;
  notice_deliveries: NoticeDeliveryTable;
  timebank_accounts: TimebankAccountTable;
  timebank_requests: TimebankRequestTable;
  timebank_transfers: TimebankTransferTable;
  timebank_postings: TimebankPostingTable;
  timebank_service_credits: TimebankServiceCreditTable;
  timebank_catalog_items: TimebankCatalogItemTable;
}

/** A service order of the time bank (services/service-orders.ts). */
export interface ServiceOrderTable {
  id: string;
  /** A code of service_kinds (migration 0021), or emergency_response. */
  kind: string;
  /** requested, taken, in_progress, done, rated, certified, cancelled */
  status: string;
  elder_id: string;
  /** The elder's org unit: who may see and act on the order. */
  org_unit_id: string;
  /** The elder's community: whose volunteers see the request, whose fund pays the credits. */
  community_id: string;
  note: string;
  wanted_at: Millis;
  requested_by: string;
  requested_at: Millis;
  /** The volunteer (a responder id) who took it. */
  volunteer_id: string | null;
  taken_at: Millis | null;
  checked_in_at: Millis | null;
  checked_out_at: Millis | null;
  /** Check-out − check-in, in whole minutes. */
  measured_minutes: number | null;
  /** 1–5. */
  rating: number | null;
  rating_comment: string | null;
  rated_by: string | null;
  claimed_minutes: number | null;
  certified_by: string | null;
  certified_at: Millis | null;
  /** The ledger's answer at certification: paid, flagged (waits for a specialist's decision). */
  credit_status: string | null;
  credited_minutes: number | null;
  capped_by: string | null;
  /** For an emergency response: the alert it answered. */
  alert_id: string | null;
  updated_at: Millis;
}

export interface ServiceOrderTransitionTable {
  order_id: string;
  at: Millis;
  /** A username, or `hub`. */
  actor: string;
  from_status: string | null;
  to_status: string;
  note: string | null;
}

// Declaration merging: the service orders' tables join `Tables` without touching the list above.
export interface Tables {
  service_orders: ServiceOrderTable;
  service_order_transitions: ServiceOrderTransitionTable;
}

/** A coded timeline note (alerts/timeline-notes.ts); NULL for a person's text and for older rows. */
type NoteCodeColumn = ColumnType<string | null, string | null | undefined, string | null>;

// Migration 0006: the hub's own timeline notes carry a code and its parameters (JSON).
export interface AlertTransitionTable {
  note_code: NoteCodeColumn;
  note_params: NoteCodeColumn;
}
export interface ServiceOrderTransitionTable {
  note_code: NoteCodeColumn;
  note_params: NoteCodeColumn;
}

// Migration 0007: the ledger's own memos (timebank/memos.ts) and the order note of an emergency
// response carry a code and its parameters (JSON); `memo`/`note` keep the English.
export interface TimebankTransferTable {
  memo_code: NoteCodeColumn;
  memo_params: NoteCodeColumn;
}
export interface ServiceOrderTable {
  note_code: NoteCodeColumn;
  note_params: NoteCodeColumn;
}

/** A service request that publishes itself (migration 0017). */
export interface RecurringRequestTable {
  id: string;
  elder_id: string;
  kind: string;
  note: string;
  /** ISO weekdays, comma-separated: "1,3,5" is Monday, Wednesday, Friday. */
  weekdays: string;
  /** HH:MM, local (the time bank's UTC offset). */
  time_of_day: string;
  /** Each order is published this many hours before the time it is wanted. */
  lead_hours: number;
  /** YYYY-MM-DD, local: the first and last days it may be wanted on. */
  starts_on: string;
  ends_on: string | null;
  created_by: string;
  created_at: Millis;
  stopped_by: string | null;
  stopped_at: Millis | null;
}
export interface Tables {
  recurring_requests: RecurringRequestTable;
}
export interface ServiceOrderTable {
  /** The recurring request that published it; one order per recurrence and wanted time. */
  recurrence_id: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A fall in its cancel window (migration 0008): one per elder, gone once raised or cancelled. */
export interface PendingFallTable {
  elder_id: string;
  watch_id: string;
  started_at: Millis;
  /** JSON array of what saw it, first the one that opened the window. */
  sources: string;
  detections: number;
  /** JSON object: what the detections said (score, confidence…), for the alert. */
  details: string;
}
export interface Tables {
  pending_falls: PendingFallTable;
}

/** A read or change of one person's record (migration 0009, privacy/audit-log.ts). */
export interface AuditEntryTable {
  id: string;
  at: Millis;
  /** A username. */
  actor: string;
  actor_role: string;
  /** alert_viewed, vitals_viewed, elder_exported, elder_erased… */
  action: string;
  elder_id: string;
  /** The elder's org unit when it was read: who may read the entry. */
  org_unit_id: string;
  /** What was read when it is not the record itself, e.g. an alert id. */
  target: string | null;
  /** JSON object: a few facts about the access, never the personal data. */
  detail: string;
}
export interface Tables {
  audit_entries: AuditEntryTable;
}
// Migration 0009: an erased elder keeps the id (alerts, orders and the ledger name it), nothing else.
export interface ElderTable {
  erased_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
}

/** An elder's care record (migration 0010, registry/care-records.ts). */
export interface CareRecordTable {
  elder_id: string;
  /** JSON: the whole record, validated by registry/care-record.ts before it is written. */
  record: string;
  updated_at: Millis;
  /** A username. */
  updated_by: string;
  /** The record's `birth_date` (YYYY-MM-DD) again, for the alert queue's join (migration 0012). */
  birth_date: string | null;
}
/** Who is whose kin (migration 0010): drawn from the care record's contacts that name a hub user. */
export interface FamilyLinkTable {
  username: string;
  elder_id: string;
  /** child, spouse, grandchild… (registry/care-record.ts `kinRelations`). */
  relation: string;
}
export interface Tables {
  care_records: CareRecordTable;
  family_links: FamilyLinkTable;
}

/** An elder's own setting or an org unit's default (migration 0013, registry/care-settings.ts). */
export interface CareSettingTable {
  owner_kind: 'elder' | 'org_unit';
  owner_id: string;
  /** A name of registry/care-settings.ts `careSettingLimits`. */
  name: string;
  value: number;
  updated_at: Millis;
  /** A username. */
  updated_by: string;
}
export interface Tables {
  care_settings: CareSettingTable;
}

/** An elder's scheduled check-in or medication reminder (migration 0014, inference/welfare/). */
export interface WelfareScheduleTable {
  id: string;
  elder_id: string;
  /** `check_in` or `medication`. */
  kind: string;
  /** Local time of day it is due, in minutes after midnight (the hub's UTC offset). */
  minute_of_day: number;
  text: string;
  wait_minutes: number;
  /** 1 or 0: a paused schedule is kept but sends nothing. */
  enabled: number;
  created_at: Millis;
  updated_at: Millis;
  /** A username. */
  updated_by: string;
}
/** One schedule's due time on one local day, and what became of it (migration 0014). */
export interface WelfareOccurrenceTable {
  /** Also the `command_id` of the notify command, so the watch's `command_ack` names it. */
  id: string;
  schedule_id: string;
  elder_id: string;
  kind: string;
  text: string;
  /** The local day (YYYY-MM-DD) it was due: one occurrence per schedule and day. */
  day: string;
  due_at: Millis;
  wait_minutes: number;
  /** The watch it went to; null: the elder has none that can answer. */
  device_id: string | null;
  sent_at: Millis | null;
  /** `sent_at` + the wait: unanswered by then, it is missed. */
  deadline_at: Millis | null;
  /** `pending`, `acknowledged` or `missed`. */
  status: string;
  /** When the wearer answered (also for a late answer to a missed one). */
  acknowledged_at: Millis | null;
  missed_at: Millis | null;
  /** When the `welfare_check` alert of a missed check-in was raised; null for medication. */
  alerted_at: Millis | null;
}
export interface Tables {
  welfare_schedules: WelfareScheduleTable;
  welfare_occurrences: WelfareOccurrenceTable;
}

/** A person's sign-up as a volunteer (migration 0019, registry/volunteer-applications.ts). */
export interface VolunteerApplicationTable {
  id: string;
  /** The login asked for; the responder id too once approved. */
  username: string;
  name: string;
  /** Digits only (the rate limit and duplicate checks compare it). */
  phone: string;
  /** The community applied to: its specialists decide. */
  org_unit_id: string;
  /** `senior` (夕阳红), `middle` (中坚) or `young` (种子力量). */
  age_group: string;
  /** JSON array of skill names. */
  skills: string;
  certificate_number: string | null;
  /** YYYY-MM-DD, the last day the first-aid certificate is valid. */
  certificate_expires_on: string | null;
  /** Only while pending. */
  password_hash: string | null;
  /** `pending`, `approved` or `refused`. */
  status: string;
  applied_at: Millis;
  decided_at: Millis | null;
  /** A username. */
  decided_by: string | null;
  refusal_reason: string | null;
}
/** What a volunteer's approval added to their responder (migration 0019). */
export interface VolunteerProfileTable {
  responder_id: string;
  phone: string;
  age_group: string;
  application_id: string;
  approved_at: Millis;
}
/** A certificate that makes a skill count until it expires (migration 0019). */
export interface ResponderCertificateTable {
  responder_id: string;
  /** The skill it vouches for, e.g. `first_aid`. */
  skill: string;
  number: string;
  /** YYYY-MM-DD, the last valid day (district time). */
  expires_on: string;
  updated_at: Millis;
  /** A username. */
  updated_by: string;
}
/** A course a volunteer took, as a specialist entered it (migration 0019). */
export interface VolunteerTrainingTable {
  id: string;
  responder_id: string;
  course: string;
  /** YYYY-MM-DD. */
  taken_on: string;
  recorded_at: Millis;
  /** A username. */
  recorded_by: string;
}
/** A kind of service one may request (migration 0021, services/service-kinds.ts). */
export interface ServiceKindTable {
  /** Stable, snake_case: what orders store. */
  code: string;
  label_zh: string;
  label_en: string;
  /** The menu's order. */
  position: number;
  created_at: Millis;
  /** A username; `seed` for the seed's menu. */
  created_by: string;
  updated_at: Millis;
  /** Retired kinds cannot be requested; orders of them keep their label. */
  retired_at: Millis | null;
  retired_by: string | null;
}
/** Who changed the service kinds, when and how (migration 0021). */
export interface ServiceKindChangeTable {
  id: string;
  code: string;
  at: Millis;
  actor: string;
  actor_role: string;
  /** `added`, `renamed`, `retired` or `restored`. */
  action: string;
  /** JSON: the labels before and after. */
  detail: string;
}
export interface Tables {
  volunteer_applications: VolunteerApplicationTable;
  volunteer_profiles: VolunteerProfileTable;
  responder_certificates: ResponderCertificateTable;
  volunteer_trainings: VolunteerTrainingTable;
  service_kinds: ServiceKindTable;
  service_kind_changes: ServiceKindChangeTable;
}
/** Optional on insert: a new order has none of it yet. */
type Later<T> = ColumnType<T | null, T | null | undefined, T | null>;
/** Proof of the visit (migration 0020, services/service-visits.ts). */
export interface ServiceOrderTable {
  /** Where the volunteer stood at check-in, and how far from the home (whole metres). */
  check_in_lat: Later<number>;
  check_in_lon: Later<number>;
  check_in_distance_m: Later<number>;
  check_out_lat: Later<number>;
  check_out_lon: Later<number>;
  check_out_distance_m: Later<number>;
  /** The short code shown on the elder's watch at check-in, for the elder to read out. Never shown to the volunteer. */
  confirmation_code: Later<string>;
  /** The watch the code went to (null: the elder has none), and when the hub sent it. */
  code_device_id: Later<string>;
  code_sent_at: Later<Millis>;
  /** Wrong codes entered: past the limit no code is taken any more (the family may still confirm). */
  code_attempts: Later<number>;
  /** Who confirmed the visit: `elder_code` (the volunteer entered the elder's code) or `family`. */
  confirmation: Later<string>;
  confirmed_by: Later<string>;
  confirmed_at: Later<Millis>;
}
/** The hub's VAPID key pair for Web Push, one row `vapid` (migration 0018, dispatch/push/). */
export interface PushKeyTable {
  id: string;
  /** base64url, as the browser's `applicationServerKey` takes it. */
  public_key: string;
  private_key: string;
  created_at: Millis;
}
/** A responder's browser push subscription (migration 0018). */
export interface PushSubscriptionTable {
  /** The push service's URL for this browser: unique, and what the service answers 404/410 for once gone. */
  endpoint: string;
  responder_id: string;
  /** The browser's P-256 public key and auth secret (base64url): what a push is encrypted to. */
  p256dh: string;
  auth: string;
  /** `zh` or `en`: the language the responder's app was in, which a push's text is written in. */
  lang: string;
  created_at: Millis;
  updated_at: Millis;
}
export interface Tables {
  push_keys: PushKeyTable;
  push_subscriptions: PushSubscriptionTable;
  /** Pushes until the push service took them or the hub gave up: the webhook outbox's columns. */
  push_deliveries: NoticeDeliveryTable;
}
