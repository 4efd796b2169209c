/**
 * The service orders' vocabulary: kinds (codes of the stored menu, service-kinds.ts) and statuses (from api-schemas.ts, which the console
 * compiles too), the order as a user may see it (a volunteer learns whose it is only while it is
 * their task), refusals, and the stored row.
 */
import type { Selectable, Updateable } from 'kysely';
import type { Alert } from '../alerts/alert-book.js';
import { type CodedNote, noteColumns, readNote, type TimelineNote } from '../alerts/timeline-notes.js';
import type { SignedInUser } from '../kernel/identity.js';
import type { ServiceOrderTable } from '../store/schema.js';
import type { CertifiedService, DepositResult, FlaggedApproval } from '../timebank/earnings.js';
import type { WriteOutcome } from '../timebank/idempotency.js';
import type { ServiceKind, ServiceStatus } from './api-schemas.js';

export { type RequestKind, type ServiceKind, type ServiceStatus, serviceStatuses } from './api-schemas.js';

/** While an order is the volunteer's task they see whose it is; before and after, they do not. */
const revealedToVolunteer: ServiceStatus[] = ['taken', 'in_progress'];

/** What certification needs of the time bank; the ledger (`timebank/ledger.ts`) is one. */
export interface ServiceCredits {
  depositForService(service: CertifiedService): Promise<WriteOutcome<DepositResult>>;
  approveFlagged(approval: FlaggedApproval): Promise<WriteOutcome<DepositResult>>;
}

/** The fields of an alert that make a volunteer's response a service record. */
export type ResolvedAlert = Pick<
  Alert,
  | 'id'
  | 'kind'
  | 'status'
  | 'elder_id'
  | 'org_unit_id'
  | 'assignee_id'
  | 'opened_at'
  | 'accepted_at'
  | 'on_site_at'
  | 'closed_at'
  | 'outcome'
>;

/** A refusal: the routes turn the status and code into an answer. */
export class ServiceOrderError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ServiceOrderView {
  id: string;
  kind: ServiceKind;
  status: ServiceStatus;
  /** What was asked, as typed; for an emergency response the English fallback of `note_code`. */
  note: string;
  note_code: string | null;
  note_params: Record<string, unknown> | null;
  wanted_at: number;
  community_id: string;
  /** null (with `elder` and `requested_by`) when shown to a volunteer whose task it is not. */
  org_unit_id: string | null;
  elder: { id: string; name: string; address: string; lat: number | null; lon: number | null } | null;
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
  /** The ledger's answer at certification. */
  credit: { status: string; credited_minutes: number | null; capped_by: string | null } | null;
  alert_id: string | null;
  updated_at: number;
  /** Proof of the visit (service-visits.ts). */
  proof: {
    check_in_distance_m: number | null;
    check_out_distance_m: number | null;
    /** The elder's watch took the code at check-in. */
    code_shown: boolean;
    confirmation: 'elder_code' | 'family' | null;
    confirmed_by: string | null;
    confirmed_at: number | null;
  };
}

export interface TimelineEntry {
  at: number;
  actor: string;
  from_status: string | null;
  to_status: string;
  /** English; for the hub's own notes a fallback of `code`. */
  note: string | null;
  code: string | null;
  params: Record<string, unknown> | null;
}

export type OrderRow = Selectable<ServiceOrderTable> & {
  elder_name: string;
  elder_address: string;
  elder_lat: number | null;
  elder_lon: number | null;
  org_unit_path: string;
};

/** A status change: allowed from `from`, audited with `note`. */
export interface Move {
  from: ServiceStatus[];
  to: ServiceStatus;
  actor: string;
  note?: TimelineNote;
  /**
   * Further columns, computed from the row as it was (e.g. measured minutes from the check-in);
   * `erased`: the elder was erased on request (known only for a `typed` move).
   */
  set?: (row: Selectable<ServiceOrderTable>, at: number, erased: boolean) => Updateable<ServiceOrderTable>;
}

/** The columns an order has before anyone takes it. */
export const emptyOrder = {
  volunteer_id: null,
  taken_at: null,
  checked_in_at: null,
  checked_out_at: null,
  measured_minutes: null,
  rating: null,
  rating_comment: null,
  rated_by: null,
  claimed_minutes: null,
  certified_by: null,
  certified_at: null,
  credit_status: null,
  credited_minutes: null,
  capped_by: null,
  alert_id: null,
} satisfies Partial<ServiceOrderTable>;

export function view(row: OrderRow, actor: SignedInUser): ServiceOrderView {
  const status = row.status as ServiceStatus;
  // A volunteer learns whose request it is only while it is their task.
  const personal =
    actor.role !== 'responder' ||
    (row.volunteer_id === actor.username && revealedToVolunteer.includes(status));
  const own = actor.role !== 'responder' || row.volunteer_id === actor.username;
  return {
    id: row.id,
    kind: row.kind as ServiceKind,
    status,
    ...orderNote(row),
    wanted_at: row.wanted_at,
    community_id: row.community_id,
    org_unit_id: personal ? row.org_unit_id : null,
    elder: personal
      ? {
          id: row.elder_id,
          name: row.elder_name,
          address: row.elder_address,
          lat: row.elder_lat,
          lon: row.elder_lon,
        }
      : null,
    requested_by: personal ? row.requested_by : null,
    requested_at: row.requested_at,
    volunteer_id: own ? row.volunteer_id : null,
    taken_at: row.taken_at,
    checked_in_at: row.checked_in_at,
    checked_out_at: row.checked_out_at,
    measured_minutes: row.measured_minutes,
    rating: own ? row.rating : null,
    rating_comment: own ? row.rating_comment : null,
    claimed_minutes: row.claimed_minutes,
    certified_by: row.certified_by,
    certified_at: row.certified_at,
    credit: row.credit_status
      ? { status: row.credit_status, credited_minutes: row.credited_minutes, capped_by: row.capped_by }
      : null,
    alert_id: personal ? row.alert_id : null,
    updated_at: row.updated_at,
    proof: {
      check_in_distance_m: row.check_in_distance_m,
      check_out_distance_m: row.check_out_distance_m,
      code_shown: row.code_sent_at !== null,
      confirmation: row.confirmation as 'elder_code' | 'family' | null,
      confirmed_by: own ? row.confirmed_by : null,
      confirmed_at: row.confirmed_at,
    },
  };
}

export function notFound(message: string): ServiceOrderError {
  return new ServiceOrderError(404, 'not_found', message);
}

export function wrongStatus(id: string, status: string, action: string): ServiceOrderError {
  return new ServiceOrderError(409, 'wrong_status', `cannot ${action} service order ${id}: it is ${status}`);
}

/** An order's own note in its columns: typed by the requester, or coded by the hub. */
export function orderNoteColumns(note: CodedNote | string): {
  note: string;
  note_code: string | null;
  note_params: string | null;
} {
  const columns = noteColumns(note);
  return { ...columns, note: columns.note ?? '' };
}

export function orderNote(row: Pick<OrderRow, 'note' | 'note_code' | 'note_params'>) {
  const { note, code, params } = readNote(row);
  return { note: note ?? '', note_code: code, note_params: params };
}
