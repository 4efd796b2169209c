/** The time bank's, service orders' and reports' shapes as the app reads them (see /api/v1/openapi.json). */
export interface ServiceOrder {
  id: string;
  kind: string;
  status: string;
  note: string;
  note_code: string | null;
  note_params: Record<string, unknown> | null;
  wanted_at: number;
  community_id: string;
  org_unit_id: string | null;
  elder: { id: string; name: string; address: string } | null;
  requested_by: string | null;
  requested_at: number;
  volunteer_id: string | null;
  taken_at: number | null;
  checked_in_at: number | null;
  checked_out_at: number | null;
  measured_minutes: number | null;
  rating: number | null;
  rating_comment: string | null;
  claimed_minutes: number | null;
  certified_by: string | null;
  certified_at: number | null;
  credit: { status: string; credited_minutes: number | null; capped_by: string | null } | null;
  alert_id: string | null;
  updated_at: number;
}

export interface Claim {
  service_id: string;
  volunteer_id: string;
  org_unit_id: string;
  claimed_minutes: number;
  measured_minutes: number;
  credited_minutes: number | null;
  status: string;
  certified_by: string;
  created_at: number;
}

export interface AccountListing {
  id: string;
  kind: string;
  owner_id: string;
  owner_name: string | null;
  org_unit_id: string;
  balance_minutes: number;
  overdraft_minutes: number;
  entries: number;
}

export interface LedgerEntry {
  at: number;
  account_id: string;
  owner_id: string;
  transfer_kind: string;
  /** English; the ledger's own memos also come as a code with parameters. */
  memo: string;
  memo_code: string | null;
  memo_params: Record<string, unknown> | null;
  amount_minutes: number;
  balance_after_minutes: number;
}

export interface AccountView {
  balance_minutes: number;
  entries: LedgerEntry[];
}

export interface Statement {
  subject: string;
  from: number;
  to: number;
  entries: LedgerEntry[];
}

export interface CatalogItem {
  id: string;
  org_unit_id: string;
  name: string;
  price_minutes: number;
  stock: number;
  active: boolean;
}

export interface RedemptionRecord {
  transfer_id: string;
  at: number;
  org_unit_id: string;
  payer: { kind: string; owner_id: string; name: string | null };
  item_name: string | null;
  quantity: number | null;
  minutes: number;
  created_by: string;
  corrected_by: string | null;
}

export interface OrgUnit {
  id: string;
  name: string;
  level: string;
  parent_id: string | null;
}

export interface AlertCount {
  alerts: number;
  closed: number;
  false_alarms: number;
  false_alarm_share: number | null;
}

export interface DistrictReport {
  org_unit: OrgUnit;
  from: number;
  to: number;
  service_levels: {
    alerts: number;
    acknowledged_within_60s: number | null;
    acknowledged_within_180s: number | null;
    on_site_within_45min: number | null;
    acknowledge: { median_s: number | null; p90_s: number | null };
    accept: { median_s: number | null; p90_s: number | null };
    arrive: { median_s: number | null; p90_s: number | null };
    targets: { answered_60s: number; answered_180s: number };
  };
  totals: AlertCount & { volunteer_minutes: number; services: number };
  by_kind: Array<AlertCount & { kind: string }>;
  by_unit: Array<
    AlertCount & {
      org_unit_id: string;
      name: string;
      volunteer_minutes: number;
      services: number;
      acknowledged_within_60s: number | null;
    }
  >;
  by_day: Array<AlertCount & { day: string }>;
  volunteers: Array<{ volunteer_id: string; name: string | null; services: number; minutes: number }>;
}
