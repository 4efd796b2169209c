import { randomUUID } from 'node:crypto';
import { readNote } from '../alerts/timeline-notes.js';
import type { SignedInUser } from '../kernel/identity.js';
import { holdElder } from '../registry/elder-lookup.js';
import type { Database } from '../store/database.js';
import { underPath } from '../store/scope.js';
import type { ServiceKinds } from './service-kinds.js';
import type { ServiceOrderBook } from './service-order-book.js';
import {
  emptyOrder,
  notFound,
  orderNoteColumns,
  type RequestKind,
  ServiceOrderError,
  type ServiceOrderView,
  type ServiceStatus,
  type TimelineEntry,
  view,
} from './service-order-model.js';

/**
 * Requests and their service: published for an elder, seen by the volunteers of the elder's
 * community, taken by one (the first taker wins), served (service-visits.ts), or cancelled
 * before; every change audited.
 */
export class ServiceRequests {
  constructor(
    private readonly deps: { db: Database; book: ServiceOrderBook; kinds: ServiceKinds; now: () => number },
  ) {}

  /** An elder's family, a specialist or an admin asks for help for an elder in their scope. */
  async publish(
    actor: SignedInUser,
    input: { elder_id: string; kind: RequestKind; note: string; wanted_at: number },
  ): Promise<ServiceOrderView> {
    await this.requestable(input.kind);
    const elder = await this.elderInScope(actor, input.elder_id);
    const id = await this.insert(elder, { ...input, requested_by: actor.username, recurrence_id: null });
    if (!id) throw notFound(`no elder ${input.elder_id} in your org unit`); // erased meanwhile
    return this.deps.book.get(actor, id);
  }

  /** A kind of the menu that is not retired; else a 400 naming the kind and why. */
  requestable(kind: string): Promise<void> {
    return this.deps.kinds.requestable(kind);
  }

  /**
   * The elder, if in the actor's org unit and not erased; else 404 (whether it exists elsewhere, or
   * was erased, is not told: as every staff route answers an erased elder).
   */
  async elderInScope(actor: SignedInUser, elderId: string): Promise<{ id: string; org_unit_id: string }> {
    const elder = await this.deps.db
      .selectFrom('elders as e')
      .innerJoin('org_units as o', 'o.id', 'e.org_unit_id')
      .select(['e.id', 'e.org_unit_id'])
      .where('e.id', '=', elderId)
      .where('e.erased_at', 'is', null)
      .where(underPath('o.path', actor.scopePath))
      .executeTakeFirst();
    if (!elder) throw notFound(`no elder ${elderId} in your org unit`);
    return elder;
  }

  /**
   * Writes a new request for an elder (of `org_unit_id`) with its audit record. A request of a
   * recurrence is written once per wanted time, however many publishers try: null when it was
   * already there (the unique index on recurrence_id and wanted_at). Null too when the elder was
   * erased, or the recurrence stopped, since the caller read them (a publishing round reads its
   * rules once): an order never carries an erased elder's note.
   */
  async insert(
    elder: { id: string; org_unit_id: string },
    input: {
      kind: RequestKind;
      note: string;
      wanted_at: number;
      requested_by: string;
      recurrence_id: string | null;
    },
  ): Promise<string | null> {
    const community = await this.deps.book.communityOf(elder.org_unit_id);
    const id = randomUUID();
    const at = this.deps.now();
    return this.deps.db.transaction().execute(async (trx) => {
      if (!(await holdElder(trx, elder.id))) return null;
      if (input.recurrence_id !== null) {
        const rule = await trx
          .selectFrom('recurring_requests')
          .select('stopped_at')
          .where('id', '=', input.recurrence_id)
          .executeTakeFirst();
        if (!rule || rule.stopped_at !== null) return null;
      }
      const written = await trx
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
          requested_by: input.requested_by,
          requested_at: at,
          updated_at: at,
          recurrence_id: input.recurrence_id,
        })
        .onConflict((oc) => oc.columns(['recurrence_id', 'wanted_at']).doNothing())
        .executeTakeFirst();
      if (Number(written.numInsertedOrUpdatedRows ?? 0) === 0) return null;
      await this.deps.book.audit(trx, id, {
        actor: input.requested_by,
        from: null,
        to: 'requested',
        note: { code: 'order_requested', params: { kind: input.kind } },
      });
      return id;
    });
  }

  /**
   * Orders the user may see, newest first: staff and family the orders of their org unit
   * and below; a volunteer the open requests of their community (whose, hidden) and their own.
   */
  async list(
    actor: SignedInUser,
    filter: { status?: ServiceStatus | undefined; limit: number },
  ): Promise<ServiceOrderView[]> {
    let query = this.deps.book.select();
    if (actor.role === 'responder') {
      const volunteer = await this.deps.book.volunteer(actor);
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

  /** Every status change of an order, oldest first (staff and family in scope). */
  async timeline(actor: SignedInUser, id: string): Promise<TimelineEntry[]> {
    await this.deps.book.staffRow(actor, id);
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
    const volunteer = await this.deps.book.volunteer(actor);
    const row = await this.deps.book.row(id);
    if (!row || (row.community_id !== volunteer.communityId && row.volunteer_id !== volunteer.id)) {
      throw notFound(`no service order ${id} in your community`);
    }
    const won = await this.deps.book.move(id, {
      from: ['requested'],
      to: 'taken',
      actor: actor.username,
      set: (_row, at) => ({ volunteer_id: volunteer.id, taken_at: at }),
    });
    if (!won) {
      const now = await this.deps.book.row(id);
      if (now?.volunteer_id === volunteer.id) return view(now, actor);
      throw new ServiceOrderError(
        409,
        now?.status === 'cancelled' ? 'cancelled' : 'already_taken',
        `service order ${id} is ${now?.status === 'cancelled' ? 'cancelled' : 'taken by another volunteer'}`,
      );
    }
    return this.deps.book.get(actor, id);
  }

  /**
   * A specialist takes a taken order from its volunteer (who cannot come after all, or is not
   * answering): to another volunteer of the elder's community, or back to the community as an open
   * request. Not once the service has started: then it is the volunteer's check-out.
   */
  async reassign(actor: SignedInUser, id: string, volunteerId: string | null): Promise<ServiceOrderView> {
    if (actor.role === 'family')
      throw new ServiceOrderError(403, 'forbidden', 'specialists and admins reassign orders');
    const row = await this.deps.book.staffRow(actor, id);
    if (volunteerId !== null) {
      const responder = await this.deps.db
        .selectFrom('responders')
        .select(['id', 'kind', 'org_unit_id'])
        .where('id', '=', volunteerId)
        .executeTakeFirst();
      const community = responder && (await this.deps.book.communityOf(responder.org_unit_id));
      if (responder?.kind !== 'volunteer' || community !== row.community_id) {
        throw new ServiceOrderError(
          409,
          'not_in_community',
          `${volunteerId} is not a volunteer of ${row.community_id}, the elder's community`,
        );
      }
    }
    const from = row.volunteer_id ?? '';
    await this.deps.book.moveOrRefuse(id, 'reassign', {
      from: ['taken'],
      to: volunteerId === null ? 'requested' : 'taken',
      actor: actor.username,
      note: { code: 'order_reassigned', params: { from, to: volunteerId } },
      set: (_row, at) => ({ volunteer_id: volunteerId, taken_at: volunteerId === null ? null : at }),
    });
    return this.deps.book.get(actor, id);
  }

  /** Withdrawn before the service starts, by the family, a specialist or an admin. */
  async cancel(actor: SignedInUser, id: string, reason: string | undefined): Promise<ServiceOrderView> {
    await this.deps.book.staffRow(actor, id);
    await this.deps.book.moveOrRefuse(id, 'cancel', {
      from: ['requested', 'taken'],
      to: 'cancelled',
      actor: actor.username,
      note: reason ?? null,
    });
    return this.deps.book.get(actor, id);
  }
}
