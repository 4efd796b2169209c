import type { Alert } from '../alerts/alert-book.js';
import type { AlertStatus } from '../alerts/alert-model.js';
import type { Channel } from '../kernel/channel.js';
import type { Database } from '../store/database.js';
import { type DispatchNotice, type OfferView, offeredDistance, type TaskView } from './dispatch-notices.js';
import type { ResponderRoster } from './responder-roster.js';
import type { ResponderTelling, Tell } from './responder-telling.js';

/** The statuses in which an alert is a responder's task: taken, and not yet closed. */
const heldStatuses: AlertStatus[] = ['assigned', 'on_site'];

/** An offer withdrawn from a responder. */
export type WithdrawnOffer = { id: string; responder_id: string };

/**
 * What a responder holds: offers still open and the task they accepted. Reads them for the
 * responder app, and ends them when the alert is taken, reassigned or closed.
 */
export class ResponderTasks {
  constructor(
    private readonly deps: {
      db: Database;
      roster: ResponderRoster;
      notices: Channel<DispatchNotice>;
      now: () => number;
      /** Withdrawals and closed tasks, kept in the transaction that ends them. */
      telling: ResponderTelling;
    },
  ) {}

  /** Offers still open for a responder (an app that reconnects gets them again). */
  async pendingOffers(responderId: string): Promise<OfferView[]> {
    const rows = await this.deps.db
      .selectFrom('offers as f')
      .innerJoin('alerts as a', 'a.id', 'f.alert_id')
      .select(['f.id', 'f.alert_id', 'a.kind', 'a.severity', 'f.distance_m', 'f.expires_at'])
      .where('f.responder_id', '=', responderId)
      .where('f.status', '=', 'pending')
      .where('f.expires_at', '>', this.deps.now())
      .execute();
    return rows.map((r) => ({
      offer_id: r.id,
      alert_id: r.alert_id,
      kind: r.kind,
      severity: r.severity,
      distance_m: offeredDistance(r.distance_m ?? 0),
      expires_at: r.expires_at,
    }));
  }

  /**
   * The responder's current task with the person's details, or null: hidden again once closed.
   * Read with the alert, not the slot alone: a slot whose release was lost (until the next
   * start's repair) must not show a closed alert's person again.
   */
  async currentTask(responderId: string): Promise<TaskView | null> {
    const state = await this.deps.db
      .selectFrom('responder_state as s')
      .innerJoin('alerts as a', 'a.id', 's.task_alert_id')
      .select('s.task_alert_id')
      .where('s.responder_id', '=', responderId)
      .where('a.assignee_id', '=', responderId)
      .where('a.status', 'in', heldStatuses)
      .executeTakeFirst();
    return state?.task_alert_id ? this.task(this.deps.db, state.task_alert_id) : null;
  }

  /** The task of an alert as its responder sees it (read in the caller's transaction, if any). */
  async task(db: Pick<Database, 'selectFrom'>, alertId: string): Promise<TaskView> {
    const row = await db
      .selectFrom('alerts as a')
      .innerJoin('elders as e', 'e.id', 'a.elder_id')
      .select([
        'a.id',
        'a.kind',
        'a.severity',
        'a.status',
        'e.id as elder_id',
        'e.name',
        'e.address',
        'e.lat',
        'e.lon',
      ])
      .where('a.id', '=', alertId)
      .executeTakeFirstOrThrow();
    return {
      alert_id: row.id,
      kind: row.kind,
      severity: row.severity,
      elder: { id: row.elder_id, name: row.name, address: row.address, lat: row.lat, lon: row.lon },
      on_site: row.status === 'on_site',
    };
  }

  /** Withdraws the alert's pending offers in the caller's transaction, their holders told in it. */
  async withdrawPending(
    db: Pick<Database, 'updateTable'>,
    tell: Tell,
    alertId: string,
    now: number,
  ): Promise<void> {
    await tellWithdrawn(tell, alertId, await closePendingOffers(db, alertId, now, 'withdrawn'));
  }

  /** After the commit: the responder no longer holds a task in the roster's memory either. */
  released(responderId: string): void {
    this.deps.roster.update(responderId, (r) => {
      r.taskAlertId = null;
    });
  }

  /**
   * At start: responders still holding a closed alert (its "closed" update was lost to a crash or
   * a failed write) are released, and offers of closed alerts withdrawn. Returns how many slots.
   */
  async repair(): Promise<number> {
    const { db } = this.deps;
    const closed = await db
      .selectFrom('responder_state as s')
      .innerJoin('alerts as a', 'a.id', 's.task_alert_id')
      .select(['a.id'])
      .where('a.status', 'in', ['resolved', 'cancelled'])
      .execute();
    const stale = await db
      .selectFrom('offers as f')
      .innerJoin('alerts as a', 'a.id', 'f.alert_id')
      .select(['a.id'])
      .where('f.status', '=', 'pending')
      .where('a.status', 'in', ['resolved', 'cancelled'])
      .execute();
    const ids = [...new Set([...closed, ...stale].map((r) => r.id))];
    for (const id of ids) await this.closed({ id } as Pick<Alert, 'id'>);
    return closed.length;
  }

  /**
   * Responders holding a task who still have offers of other alerts pending: an acceptance
   * withdraws the winner's other offers after its commit, and a crash in between leaves them for
   * the other alerts' ladders to wait on until they expire.
   */
  async busyWithOffers(): Promise<string[]> {
    const rows = await this.deps.db
      .selectFrom('offers as f')
      .innerJoin('responder_state as s', 's.responder_id', 'f.responder_id')
      .select('f.responder_id')
      .distinct()
      .where('f.status', '=', 'pending')
      .where('s.task_alert_id', 'is not', null)
      .whereRef('s.task_alert_id', '!=', 'f.alert_id')
      .execute();
    return rows.map((r) => r.responder_id);
  }

  /** An alert closed: its responder is free again and its offers withdrawn. */
  async closed(alert: Pick<Alert, 'id'>): Promise<void> {
    const now = this.deps.now();
    // One transaction: a task released is closed on the responder's phone too, or not released.
    const holders = await this.deps.telling.transaction(async (trx, tell) => {
      const holders = await trx
        .updateTable('responder_state')
        .set({ task_alert_id: null, updated_at: now })
        .where('task_alert_id', '=', alert.id)
        .returning('responder_id')
        .execute();
      for (const h of holders)
        await tell({ type: 'task_closed', responderId: h.responder_id, alertId: alert.id });
      await this.withdrawPending(trx, tell, alert.id, now);
      return holders;
    });
    for (const h of holders) this.released(h.responder_id);
  }
}

/** Tells each holder of the offers that theirs was withdrawn (in the transaction that withdrew them). */
export async function tellWithdrawn(tell: Tell, alertId: string, offers: WithdrawnOffer[]): Promise<void> {
  for (const o of offers)
    await tell({ type: 'withdrawn', responderId: o.responder_id, offerId: o.id, alertId });
}

/** Closes an alert's offers still pending (the alert was taken, closed, or its step ran out). */
export function closePendingOffers(
  db: Pick<Database, 'updateTable'>,
  alertId: string,
  now: number,
  status: 'withdrawn' | 'expired',
): Promise<WithdrawnOffer[]> {
  return db
    .updateTable('offers')
    .set({ status, answered_at: now })
    .where('alert_id', '=', alertId)
    .where('status', '=', 'pending')
    .returning(['id', 'responder_id'])
    .execute();
}
