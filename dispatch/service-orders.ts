import { randomUUID } from 'node:crypto';
import type { Selectable, Transaction, Updateable } from 'kysely';
import type { SignedInUser } from '../gateway/accounts.js';
import type { Database } from '../store/database.js';
import type { ServiceOrderTable, Tables } from '../store/schema.js';
import { underPath } from '../store/scope.js';
import type { CertifiedService, DepositResult } from '../timebank/earnings.js';
import type { WriteOutcome } from '../timebank/idempotency.js';
import type { Alert } from './alert-book.js';
import { type CodedNote, noteColumns, readNote, type TimelineNote } from './timeline-notes.js';

/** What an elder, their family or a specialist may ask for. */
export const requestKinds = ['meal_delivery', 'visit', 'accompany_clinic', 'phone_help'] as const;
/** …plus the record of a volunteer's answer to an alert. */
export const serviceKinds = [...requestKinds, 'emergency_response'] as const;
export const serviceStatuses = [
  'requested',
  'taken',
  'in_progress',
  'done',
  'rated',
  'certified',
  'cancelled',
] as const;
export type RequestKind = (typeof requestKinds)[number];
export type ServiceKind = (typeof serviceKinds)[number];
export type ServiceStatus = (typeof serviceStatuses)[number];

/** While an order is the volunteer's task they see whose it is; before and after, they do not. */
const revealedToVolunteer: ServiceStatus[] = ['taken', 'in_progress'];

/** What certification needs of the time bank; the ledger (`timebank/ledger.ts`) is one. */
export interface ServiceCredits {
  depositForService(service: CertifiedService): Promise<WriteOutcome<DepositResult>>;
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
    readonly status: 403 | 404 | 409,
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
  /** The ledger's answer at certification. */
  credit: { status: string; credited_minutes: number | null; capped_by: string | null } | null;
  alert_id: string | null;
  updated_at: number;
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

type OrderRow = Selectable<ServiceOrderTable> & {
  elder_name: string;
  elder_address: string;
  org_unit_path: string;
};

interface Move {
  from: ServiceStatus[];
  to: ServiceStatus;
  actor: string;
  note?: TimelineNote;
  /** Further columns, computed from the row as it was (e.g. measured minutes from the check-in). */
  set?: (row: Selectable<ServiceOrderTable>, at: number) => Updateable<ServiceOrderTable>;
}

/**
 * The time bank's daily life: requests published for an elder, taken by a volunteer of
 * the elder's community (the first taker wins), served (check-in, check-out), rated,
 * and certified by a specialist, which deposits the credits through the ledger. Every
 * status change is a conditional update with its audit record, in one transaction.
 */
export class ServiceOrders {
  constructor(
    private readonly deps: {
      db: Database;
      credits: ServiceCredits;
      now: () => number;
    },
  ) {}

  /** An elder's family, a specialist or an admin asks for help for an elder in their scope. */
  async publish(
    actor: SignedInUser,
    input: { elder_id: string; kind: RequestKind; note: string; wanted_at: number },
  ): Promise<ServiceOrderView> {
    const { db, now } = this.deps;
    const elder = await db
      .selectFrom('elders as e')
      .innerJoin('org_units as o', 'o.id', 'e.org_unit_id')
      .select(['e.id', 'e.org_unit_id'])
      .where('e.id', '=', input.elder_id)
      .where(underPath('o.path', actor.scopePath))
      .executeTakeFirst();
    if (!elder) throw notFound(`no elder ${input.elder_id} in your org unit`);
    const community = await this.communityOf(elder.org_unit_id);
    const id = randomUUID();
    const at = now();
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('service_orders')
        .values({
          ...emptyOrder,
          id,
          kind: input.kind,
          status: 'requested',
          elder_id: elder.id,
          org_unit_id: elder.org_unit_id,
          community_id: community,
          ...orderNoteColumns(input.note),
          wanted_at: input.wanted_at,
          requested_by: actor.username,
          requested_at: at,
          updated_at: at,
        })
        .execute();
      await this.audit(trx, id, {
        actor: actor.username,
        from: null,
        to: 'requested',
        note: { code: 'order_requested', params: { kind: input.kind } },
      });
    });
    return this.get(actor, id);
  }

  /**
   * Orders the user may see, newest first: staff and family the orders of their org unit
   * and below; a volunteer the open requests of their community (whose, hidden) and their own.
   */
  async list(
    actor: SignedInUser,
    filter: { status?: ServiceStatus | undefined; limit: number },
  ): Promise<ServiceOrderView[]> {
    let query = this.select();
    if (actor.role === 'responder') {
      const volunteer = await this.volunteer(actor);
      query = query.where((eb) =>
        eb.or([
          eb.and([eb('s.status', '=', 'requested'), eb('s.community_id', '=', volunteer.communityId)]),
          eb('s.volunteer_id', '=', volunteer.id),
        ]),
      );
    } else {
      query = query.where(underPath('o.path', actor.scopePath));
    }
    if (filter.status) query = query.where('s.status', '=', filter.status);
    const rows = await query.orderBy('s.requested_at', 'desc').limit(filter.limit).execute();
    return rows.map((r) => view(r, actor));
  }

  /** One order as the user may see it; a hidden and a missing order look the same. */
  async get(actor: SignedInUser, id: string): Promise<ServiceOrderView> {
    const row = await this.row(id);
    if (row && actor.role === 'responder') {
      const volunteer = await this.volunteer(actor);
      const open = row.status === 'requested' && row.community_id === volunteer.communityId;
      if (open || row.volunteer_id === volunteer.id) return view(row, actor);
    } else if (row?.org_unit_path.startsWith(actor.scopePath)) {
      return view(row, actor);
    }
    throw notFound(`no service order ${id} for you`);
  }

  /** Every status change of an order, oldest first (staff and family in scope). */
  async timeline(actor: SignedInUser, id: string): Promise<TimelineEntry[]> {
    await this.staffRow(actor, id);
    const rows = await this.deps.db
      .selectFrom('service_order_transitions')
      .select(['at', 'actor', 'from_status', 'to_status', 'note', 'note_code', 'note_params'])
      .where('order_id', '=', id)
      .orderBy('at')
      .execute();
    return rows.map(({ note_code, note_params, ...row }) => ({
      ...row,
      ...readNote({ note: row.note, note_code, note_params }),
    }));
  }

  /** A volunteer of the elder's community takes an open request: the first taker wins. */
  async take(actor: SignedInUser, id: string): Promise<ServiceOrderView> {
    const volunteer = await this.volunteer(actor);
    const row = await this.row(id);
    if (!row || (row.community_id !== volunteer.communityId && row.volunteer_id !== volunteer.id)) {
      throw notFound(`no service order ${id} in your community`);
    }
    const won = await this.move(id, {
      from: ['requested'],
      to: 'taken',
      actor: actor.username,
      set: (_row, at) => ({ volunteer_id: volunteer.id, taken_at: at }),
    });
    if (!won) {
      const now = await this.row(id);
      if (now?.volunteer_id === volunteer.id) return view(now, actor);
      throw new ServiceOrderError(
        409,
        now?.status === 'cancelled' ? 'cancelled' : 'already_taken',
        `service order ${id} is ${now?.status === 'cancelled' ? 'cancelled' : 'taken by another volunteer'}`,
      );
    }
    return this.get(actor, id);
  }

  /** The volunteer arrives and starts: the hub's clock, not the phone's, measures the service. */
  async checkIn(actor: SignedInUser, id: string): Promise<ServiceOrderView> {
    await this.ownRow(actor, id);
    await this.moveOrRefuse(id, 'check in to', {
      from: ['taken'],
      to: 'in_progress',
      actor: actor.username,
      set: (_row, at) => ({ checked_in_at: at }),
    });
    return this.get(actor, id);
  }

  /** The volunteer leaves: measured minutes = check-out − check-in, rounded. */
  async checkOut(actor: SignedInUser, id: string): Promise<ServiceOrderView> {
    await this.ownRow(actor, id);
    await this.moveOrRefuse(id, 'check out of', {
      from: ['in_progress'],
      to: 'done',
      actor: actor.username,
      set: (row, at) => ({
        checked_out_at: at,
        measured_minutes: Math.max(0, Math.round((at - (row.checked_in_at ?? at)) / 60_000)),
      }),
    });
    return this.get(actor, id);
  }

  /**
   * The elder's family rates the service (1–5). A specialist or admin may record the
   * rating an elder without the app gave by phone; the audit names who entered it.
   */
  async rate(
    actor: SignedInUser,
    id: string,
    rating: { rating: number; comment?: string | undefined },
  ): Promise<ServiceOrderView> {
    await this.staffRow(actor, id);
    await this.moveOrRefuse(id, 'rate', {
      from: ['done'],
      to: 'rated',
      actor: actor.username,
      note: { code: 'order_rated', params: { rating: rating.rating } },
      set: () => ({
        rating: rating.rating,
        rating_comment: rating.comment ?? null,
        rated_by: actor.username,
      }),
    });
    return this.get(actor, id);
  }

  /**
   * A specialist certifies a rated service with the minutes claimed: the ledger pays them
   * from the community's fund, or flags a claim over 1.5× the measured time for a decision.
   * The ledger credits a service once (keyed by the order id), so a retry after a lost
   * answer is replayed there and then recorded here.
   */
  async certify(actor: SignedInUser, id: string, claimedMinutes: number): Promise<ServiceOrderView> {
    const row = await this.staffRow(actor, id);
    if (row.status === 'certified') return view(row, actor);
    if (row.status !== 'rated' || !row.volunteer_id) {
      throw wrongStatus(id, row.status, 'certify');
    }
    const { result } = await this.deps.credits.depositForService({
      serviceId: row.id,
      volunteerId: row.volunteer_id,
      orgUnitId: row.community_id,
      claimedMinutes,
      measuredMinutes: row.measured_minutes ?? 0,
      certifiedBy: actor.username,
      ...(row.checked_out_at === null ? {} : { servedAt: row.checked_out_at }),
    });
    // Lost only to a concurrent certification of the same order, which the ledger paid once.
    await this.move(id, {
      from: ['rated'],
      to: 'certified',
      actor: actor.username,
      note: {
        code: 'order_certified',
        params: {
          claimed_minutes: claimedMinutes,
          measured_minutes: row.measured_minutes ?? 0,
          credit_status: result.status,
        },
      },
      set: (_row, at) => ({
        claimed_minutes: claimedMinutes,
        certified_by: actor.username,
        certified_at: at,
        credit_status: result.status,
        credited_minutes: result.credited_minutes,
        capped_by: result.capped_by,
      }),
    });
    return this.get(actor, id);
  }

  /** Withdrawn before the service starts, by the family, a specialist or an admin. */
  async cancel(actor: SignedInUser, id: string, reason: string | undefined): Promise<ServiceOrderView> {
    await this.staffRow(actor, id);
    await this.moveOrRefuse(id, 'cancel', {
      from: ['requested', 'taken'],
      to: 'cancelled',
      actor: actor.username,
      note: reason ?? null,
    });
    return this.get(actor, id);
  }

  /**
   * A resolved alert answered by a volunteer becomes a service record, already done:
   * taken when accepted, from arrival (or acceptance, if they never checked in on site)
   * to the alert's close. Once per alert, however often it is called.
   */
  async recordEmergencyResponse(alert: ResolvedAlert): Promise<{ id: string; created: boolean } | null> {
    const { db } = this.deps;
    if (alert.status !== 'resolved' || !alert.assignee_id || !alert.elder_id) return null;
    if (alert.accepted_at === null || alert.closed_at === null) return null;
    const volunteer = await db
      .selectFrom('responders')
      .select('id')
      .where('id', '=', alert.assignee_id)
      .where('kind', '=', 'volunteer')
      .executeTakeFirst();
    if (!volunteer) return null;
    const community = await this.communityOf(alert.org_unit_id);
    const start = alert.on_site_at ?? alert.accepted_at;
    const end = Math.max(alert.closed_at, start);
    const id = randomUUID();
    const created = await db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('service_orders')
        .values({
          ...emptyOrder,
          id,
          kind: 'emergency_response',
          status: 'done',
          elder_id: alert.elder_id!,
          org_unit_id: alert.org_unit_id,
          community_id: community,
          ...orderNoteColumns({
            code: 'order_emergency_alert',
            params: { alert_kind: alert.kind, outcome: alert.outcome },
          }),
          wanted_at: alert.opened_at,
          requested_by: 'hub',
          requested_at: alert.opened_at,
          volunteer_id: volunteer.id,
          taken_at: alert.accepted_at,
          checked_in_at: start,
          checked_out_at: end,
          measured_minutes: Math.round((end - start) / 60_000),
          alert_id: alert.id,
          updated_at: this.deps.now(),
        })
        .onConflict((oc) => oc.column('alert_id').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
      await this.audit(trx, id, {
        actor: 'hub',
        from: null,
        to: 'done',
        note: { code: 'order_emergency_response', params: { alert_id: alert.id } },
      });
      return true;
    });
    if (created) return { id, created };
    const existing = await db
      .selectFrom('service_orders')
      .select('id')
      .where('alert_id', '=', alert.id)
      .executeTakeFirstOrThrow();
    return { id: existing.id, created: false };
  }

  /**
   * Records the volunteers' responses to alerts resolved since `since` that have no
   * service record yet (a node that stopped between resolving and recording); returns how many.
   */
  async recordMissedEmergencyResponses(since: number): Promise<number> {
    const missed = await this.deps.db
      .selectFrom('alerts as a')
      .innerJoin('responders as r', 'r.id', 'a.assignee_id')
      .leftJoin('service_orders as s', 's.alert_id', 'a.id')
      .select([
        'a.id',
        'a.kind',
        'a.status',
        'a.elder_id',
        'a.org_unit_id',
        'a.assignee_id',
        'a.opened_at',
        'a.accepted_at',
        'a.on_site_at',
        'a.closed_at',
        'a.outcome',
      ])
      .where('a.status', '=', 'resolved')
      .where('a.closed_at', '>=', since)
      .where('r.kind', '=', 'volunteer')
      .where('s.id', 'is', null)
      .execute();
    let recorded = 0;
    for (const alert of missed) {
      const result = await this.recordEmergencyResponse({
        ...alert,
        status: 'resolved',
        kind: alert.kind as Alert['kind'],
      });
      if (result?.created) recorded += 1;
    }
    return recorded;
  }

  /** Moves the order if its status is one of `from`; false when it was not (or another move won). */
  private async move(id: string, change: Move): Promise<boolean> {
    return this.deps.db.transaction().execute(async (trx) => {
      const current = await trx
        .selectFrom('service_orders')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      if (!current || !change.from.includes(current.status as ServiceStatus)) return false;
      const at = this.deps.now();
      const result = await trx
        .updateTable('service_orders')
        .set({ ...change.set?.(current, at), status: change.to, updated_at: at })
        .where('id', '=', id)
        .where('status', '=', current.status)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      await this.audit(trx, id, {
        actor: change.actor,
        from: current.status,
        to: change.to,
        note: change.note ?? null,
      });
      return true;
    });
  }

  private async moveOrRefuse(id: string, action: string, change: Move): Promise<void> {
    if (await this.move(id, change)) return;
    const row = await this.row(id);
    throw wrongStatus(id, row?.status ?? 'gone', action);
  }

  private async audit(
    trx: Transaction<Tables>,
    orderId: string,
    entry: { actor: string; from: string | null; to: ServiceStatus; note: TimelineNote },
  ): Promise<void> {
    await trx
      .insertInto('service_order_transitions')
      .values({
        order_id: orderId,
        at: this.deps.now(),
        actor: entry.actor,
        from_status: entry.from,
        to_status: entry.to,
        ...noteColumns(entry.note),
      })
      .execute();
  }

  /** The order, if it lies in the scope of a staff or family user. */
  private async staffRow(actor: SignedInUser, id: string): Promise<OrderRow> {
    const row = await this.row(id);
    if (actor.role === 'responder' || !row?.org_unit_path.startsWith(actor.scopePath)) {
      throw notFound(`no service order ${id} in your org unit`);
    }
    return row;
  }

  /** The order, if the volunteer took it. */
  private async ownRow(actor: SignedInUser, id: string): Promise<OrderRow> {
    const row = await this.row(id);
    if (actor.role !== 'responder' || !row || row.volunteer_id !== actor.username) {
      throw notFound(`no service order ${id} taken by you`);
    }
    return row;
  }

  private async row(id: string): Promise<OrderRow | undefined> {
    return this.select().where('s.id', '=', id).executeTakeFirst();
  }

  private select() {
    return this.deps.db
      .selectFrom('service_orders as s')
      .innerJoin('elders as e', 'e.id', 's.elder_id')
      .innerJoin('org_units as o', 'o.id', 's.org_unit_id')
      .selectAll('s')
      .select(['e.name as elder_name', 'e.address as elder_address', 'o.path as org_unit_path']);
  }

  /** The signed-in responder as a time-bank volunteer, with their community. */
  private async volunteer(actor: SignedInUser): Promise<{ id: string; communityId: string }> {
    const responder =
      actor.role === 'responder'
        ? await this.deps.db
            .selectFrom('responders')
            .select(['id', 'kind', 'org_unit_id'])
            .where('id', '=', actor.username)
            .executeTakeFirst()
        : undefined;
    if (responder?.kind !== 'volunteer') {
      throw new ServiceOrderError(403, 'not_a_volunteer', 'service orders are taken by time-bank volunteers');
    }
    return { id: responder.id, communityId: await this.communityOf(responder.org_unit_id) };
  }

  /** The community an org unit lies in (the "local" of local service), or the unit itself above community level. */
  private async communityOf(orgUnitId: string): Promise<string> {
    const unit = await this.deps.db
      .selectFrom('org_units')
      .select('path')
      .where('id', '=', orgUnitId)
      .executeTakeFirst();
    const ids = unit?.path.split('/').filter(Boolean) ?? [];
    if (ids.length === 0) return orgUnitId;
    const community = await this.deps.db
      .selectFrom('org_units')
      .select('id')
      .where('id', 'in', ids)
      .where('level', '=', 'community')
      .executeTakeFirst();
    return community?.id ?? orgUnitId;
  }
}

const emptyOrder = {
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

function view(row: OrderRow, actor: SignedInUser): ServiceOrderView {
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
    elder: personal ? { id: row.elder_id, name: row.elder_name, address: row.elder_address } : null,
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
  };
}

function notFound(message: string): ServiceOrderError {
  return new ServiceOrderError(404, 'not_found', message);
}

function wrongStatus(id: string, status: string, action: string): ServiceOrderError {
  return new ServiceOrderError(409, 'wrong_status', `cannot ${action} service order ${id}: it is ${status}`);
}

/** An order's own note in its columns: typed by the requester, or coded by the hub. */
function orderNoteColumns(note: CodedNote | string): {
  note: string;
  note_code: string | null;
  note_params: string | null;
} {
  const columns = noteColumns(note);
  return { ...columns, note: columns.note ?? '' };
}

function orderNote(row: Pick<OrderRow, 'note' | 'note_code' | 'note_params'>) {
  const { note, code, params } = readNote(row);
  return { note: note ?? '', note_code: code, note_params: params };
}
