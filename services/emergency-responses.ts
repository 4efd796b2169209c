import { randomUUID } from 'node:crypto';
import type { Alert } from '../alerts/alert-book.js';
import type { Database } from '../store/database.js';
import type { ServiceOrderBook } from './service-order-book.js';
import { emptyOrder, orderNoteColumns, type ResolvedAlert } from './service-order-model.js';

/** A volunteer's answer to an alert, recorded as a service order already done, to rate and certify. */
export class EmergencyResponses {
  constructor(private readonly deps: { db: Database; book: ServiceOrderBook; now: () => number }) {}

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
    const community = await this.deps.book.communityOf(alert.org_unit_id);
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
      await this.deps.book.audit(trx, id, {
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
}
