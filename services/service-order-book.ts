import type { Transaction } from 'kysely';
import { noteColumns, type TimelineNote } from '../alerts/timeline-notes.js';
import type { SignedInUser } from '../kernel/identity.js';
import { anyErased } from '../registry/elder-lookup.js';
import type { Database } from '../store/database.js';
import type { Tables } from '../store/schema.js';
import { communityOn } from '../store/scope.js';
import {
  type Move,
  notFound,
  type OrderRow,
  ServiceOrderError,
  type ServiceOrderView,
  type ServiceStatus,
  view,
  wrongStatus,
} from './service-order-model.js';

/**
 * An elder moved to another org unit: their orders not yet started go with them, to the new unit and
 * its community (whose volunteers serve them, whose staff cancel or reassign them). A taken one whose
 * volunteer is not of that community is open again there: its volunteer would otherwise be sent to
 * (and shown) the new home of someone outside their community. (Responders moved by the same
 * document count by their unit before it: their order is open again, for them to take again.)
 * Started and finished ones stay with the community that served them and pays for them.
 */
export async function moveOpenOrders(
  trx: Transaction<Tables>,
  elderId: string,
  toUnit: string,
  at: number,
): Promise<void> {
  const unit = await trx.selectFrom('org_units').select('path').where('id', '=', toUnit).executeTakeFirst();
  const community = unit ? await communityOn(trx, unit.path) : undefined;
  const communityId = community?.id ?? toUnit;
  const taken = await trx
    .selectFrom('service_orders as o')
    .innerJoin('responders as r', 'r.id', 'o.volunteer_id')
    .innerJoin('org_units as u', 'u.id', 'r.org_unit_id')
    .select(['o.id', 'o.volunteer_id', 'u.path'])
    .where('o.elder_id', '=', elderId)
    .where('o.status', '=', 'taken')
    .execute();
  for (const order of taken) {
    if ((await communityOn(trx, order.path))?.id === communityId) continue;
    // Conditional, as every move: a check-in committed meanwhile keeps its visit.
    const reopened = await trx
      .updateTable('service_orders')
      .set({ status: 'requested', volunteer_id: null, taken_at: null, updated_at: at })
      .where('id', '=', order.id)
      .where('status', '=', 'taken')
      .where('volunteer_id', '=', order.volunteer_id)
      .executeTakeFirst();
    if (Number(reopened.numUpdatedRows) === 0) continue;
    await recordTransition(trx, order.id, at, {
      actor: 'hub',
      from: 'taken',
      to: 'requested',
      note: { code: 'order_reassigned', params: { from: order.volunteer_id ?? '', to: null } },
    });
  }
  await trx
    .updateTable('service_orders')
    .set({ org_unit_id: toUnit, community_id: communityId })
    .where('elder_id', '=', elderId)
    .where('status', 'in', ['requested', 'taken'])
    .execute();
}

/** The audit record of an order's status change, in the change's transaction. */
async function recordTransition(
  trx: Transaction<Tables>,
  orderId: string,
  at: number,
  entry: { actor: string; from: string | null; to: ServiceStatus; note: TimelineNote },
): Promise<void> {
  await trx
    .insertInto('service_order_transitions')
    .values({
      order_id: orderId,
      at,
      actor: entry.actor,
      from_status: entry.from,
      to_status: entry.to,
      ...noteColumns(entry.note),
    })
    .execute();
}

/** A status change; a volunteer's own (check-in, check-out, hand-back) names the volunteer. */
export interface OrderMove extends Move {
  /**
   * Moves only while the order is still this volunteer's: a specialist's reassignment between the
   * volunteer's read and the move wins, as the status alone would not tell (taken stays taken).
   */
  volunteer?: string;
  /**
   * The move writes words someone typed about the elder (a rating's comment): the elder is held
   * first, and `set` is told whether they were erased (then nothing typed is kept), so that the words
   * are not written after her erasure, nor beside it.
   */
  typed?: boolean;
}

/**
 * The stored service orders as the other order classes use them: rows read with their elder
 * and scope, who may see or act on one, and status changes as conditional updates written
 * with their audit record in one transaction.
 */
export class ServiceOrderBook {
  constructor(private readonly deps: { db: Database; now: () => number }) {}

  /** Moves the order if its status is one of `from` (and it is `volunteer`'s); false when not (or another move won). */
  async move(id: string, change: OrderMove): Promise<boolean> {
    return this.deps.db.transaction().execute(async (trx) => {
      const current = await trx
        .selectFrom('service_orders')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      if (!current || !change.from.includes(current.status as ServiceStatus)) return false;
      const { volunteer } = change;
      if (volunteer !== undefined && current.volunteer_id !== volunteer) return false;
      const at = this.deps.now();
      const erased = change.typed === true && (await anyErased(trx, [current.elder_id]));
      // The conditions are in the update itself: it waits for a concurrent move of the row and
      // re-checks them, so a reassignment committed meanwhile is seen.
      const result = await trx
        .updateTable('service_orders')
        .set({ ...change.set?.(current, at, erased), status: change.to, updated_at: at })
        .where('id', '=', id)
        .where('status', '=', current.status)
        .$if(volunteer !== undefined, (q) => q.where('volunteer_id', '=', volunteer!))
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

  /**
   * Moves the order, or refuses with its status as it is now; one no longer the volunteer's is
   * refused as `ownRow` refuses it (404: theirs no more, it is as hidden as any other).
   */
  async moveOrRefuse(id: string, action: string, change: OrderMove): Promise<void> {
    if (await this.move(id, change)) return;
    const row = await this.row(id);
    if (change.volunteer !== undefined && row?.volunteer_id !== change.volunteer) {
      throw notFound(`no service order ${id} taken by you`);
    }
    throw wrongStatus(id, row?.status ?? 'gone', action);
  }

  /** The audit record of a status change, in the change's transaction. */
  audit(
    trx: Transaction<Tables>,
    orderId: string,
    entry: { actor: string; from: string | null; to: ServiceStatus; note: TimelineNote },
  ): Promise<void> {
    return recordTransition(trx, orderId, this.deps.now(), entry);
  }

  /** The order, if it lies in the scope of a staff or family user. */
  async staffRow(actor: SignedInUser, id: string): Promise<OrderRow> {
    const row = await this.row(id);
    if (actor.role === 'responder' || !row?.org_unit_path.startsWith(actor.scopePath)) {
      throw notFound(`no service order ${id} in your org unit`);
    }
    return row;
  }

  /** The order, if the volunteer took it. */
  async ownRow(actor: SignedInUser, id: string): Promise<OrderRow> {
    const row = await this.row(id);
    if (actor.role !== 'responder' || !row || row.volunteer_id !== actor.username) {
      throw notFound(`no service order ${id} taken by you`);
    }
    return row;
  }

  async row(id: string): Promise<OrderRow | undefined> {
    return this.select().where('s.id', '=', id).executeTakeFirst();
  }

  /** Orders with their elder's name and address and their org unit's path. */
  select() {
    return this.deps.db
      .selectFrom('service_orders as s')
      .innerJoin('elders as e', 'e.id', 's.elder_id')
      .innerJoin('org_units as o', 'o.id', 's.org_unit_id')
      .selectAll('s')
      .select([
        'e.name as elder_name',
        'e.address as elder_address',
        'e.lat as elder_lat',
        'e.lon as elder_lon',
        'o.path as org_unit_path',
      ]);
  }

  /** Whether the responder of the alert checked in on site (the proof of an answer to an alert). */
  async checkedInOnSite(alertId: string | null): Promise<boolean> {
    if (alertId === null) return false;
    const alert = await this.deps.db
      .selectFrom('alerts')
      .select('on_site_at')
      .where('id', '=', alertId)
      .executeTakeFirst();
    return (alert?.on_site_at ?? null) !== null;
  }

  /**
   * Takes one of the visit's code tries before the code is compared: the conditional update is the
   * only check of the limit, so parallel check-outs cannot all read a count below it and all be
   * compared. Returns the tries taken with this one, or null when none is left or the visit is not
   * the volunteer's one in progress any more.
   */
  async takeCodeTry(id: string, volunteerId: string, limit: number): Promise<number | null> {
    const taken = await this.deps.db
      .updateTable('service_orders')
      .set((eb) => ({ code_attempts: eb(eb.fn.coalesce('code_attempts', eb.lit(0)), '+', 1) }))
      .where('id', '=', id)
      .where('status', '=', 'in_progress')
      .where('volunteer_id', '=', volunteerId)
      .where((eb) => eb(eb.fn.coalesce('code_attempts', eb.lit(0)), '<', limit))
      .returning('code_attempts')
      .executeTakeFirst();
    return taken ? (taken.code_attempts ?? limit) : null;
  }

  /** The elder's watch took the visit's code (the broker accepted the command). */
  async codeSent(id: string, at: number): Promise<void> {
    await this.deps.db.updateTable('service_orders').set({ code_sent_at: at }).where('id', '=', id).execute();
  }

  /** The signed-in responder as a time-bank volunteer, with their community. */
  async volunteer(actor: SignedInUser): Promise<{ id: string; communityId: string }> {
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
  async communityOf(orgUnitId: string): Promise<string> {
    const unit = await this.deps.db
      .selectFrom('org_units')
      .select('path')
      .where('id', '=', orgUnitId)
      .executeTakeFirst();
    const community = unit ? await communityOn(this.deps.db, unit.path) : undefined;
    return community?.id ?? orgUnitId;
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
}
