import { distance } from 'geokdbush';
import type { Logger } from 'pino';
import { type Alert, type AlertBook, activeStatuses } from '../alerts/alert-book.js';
import type { Channel } from '../kernel/channel.js';
import type { DistrictDirectory } from '../registry/district-directory.js';
import type { Database } from '../store/database.js';
import { retryingRaces, WriteRaceLost } from '../store/write-races.js';
import type { AcceptResult, DispatchNotice } from './dispatch-notices.js';
import { arrivalDeadline, type DispatchTimings } from './dispatch-timings.js';
import { upsertResponderState } from './responder-presence.js';
import type { ResponderRoster } from './responder-roster.js';
import { type ResponderTasks, tellWithdrawn } from './responder-tasks.js';
import type { ResponderTelling } from './responder-telling.js';

/**
 * Who takes an alert: a responder answering an offer (the first acceptance wins, once; a
 * decline may move the ladder on) or a specialist assigning by hand. The wearer's watch is
 * told who is coming.
 */
export class Assignments {
  constructor(
    private readonly deps: {
      db: Database;
      alerts: AlertBook;
      roster: ResponderRoster;
      tasks: ResponderTasks;
      /** The elder's devices (those that show a `notify` are told who is coming) and home. */
      district: Pick<DistrictDirectory, 'elder'>;
      timings: DispatchTimings;
      notices: Channel<DispatchNotice>;
      notify: (deviceId: string, text: string) => Promise<unknown>;
      /** Takes the alert's next ladder step now (nobody of the current one is left to answer). */
      stepNow: (alertId: string) => void;
      now: () => number;
      logger: Logger;
      /** Withdrawals and tasks given or closed, kept in the transaction that decides them. */
      telling: ResponderTelling;
    },
  ) {}

  /**
   * The first acceptance wins, exactly once: conditional updates of the offer, the alert and the
   * responder. The winner's offers of other alerts are withdrawn: one task at a time.
   */
  async accept(offerId: string, responderId: string): Promise<AcceptResult> {
    const { db, alerts, roster, tasks } = this.deps;
    const now = this.deps.now();
    const result = await this.deps.telling
      .transaction(async (trx, tell): Promise<AcceptResult & { alertId?: string }> => {
        const offer = await trx
          .selectFrom('offers')
          .selectAll()
          .where('id', '=', offerId)
          .where('responder_id', '=', responderId)
          .executeTakeFirst();
        if (!offer) return { ok: false, reason: 'not_found' };
        if (offer.status !== 'pending' || offer.expires_at < now) return { ok: false, reason: 'not_pending' };
        const free = await trx
          .updateTable('responder_state')
          .set({ task_alert_id: offer.alert_id, updated_at: now })
          .where('responder_id', '=', responderId)
          .where('task_alert_id', 'is', null)
          .executeTakeFirst();
        if (Number(free.numUpdatedRows) === 0) return { ok: false, reason: 'busy' };
        const won = await alerts.applyTransition(trx, offer.alert_id, {
          from: ['open'],
          to: 'assigned',
          actor: responderId,
          note: { code: 'accepted', params: { distance_m: offer.distance_m } },
          // From now the check-in is awaited: not there by then, the task goes back.
          set: {
            assignee_id: responderId,
            accepted_at: now,
            next_step_at: arrivalDeadline(this.deps.timings, now, offer.distance_m),
          },
        });
        if (!won) throw new LostRace();
        await trx
          .updateTable('offers')
          .set({ status: 'accepted', answered_at: now })
          .where('id', '=', offerId)
          .execute();
        await tasks.withdrawPending(trx, tell, offer.alert_id, now);
        return { ok: true, task: await tasks.task(trx, offer.alert_id), alertId: offer.alert_id };
      })
      .catch(async (error: unknown) => {
        if (!(error instanceof LostRace)) throw error;
        await db
          .updateTable('offers')
          .set({ status: 'withdrawn', answered_at: now })
          .where('id', '=', offerId)
          .where('status', '=', 'pending')
          .execute();
        return { ok: false as const, reason: 'taken' as const };
      });
    if (!result.ok || !result.alertId) return result;
    const alertId = result.alertId;
    roster.update(responderId, (r) => {
      r.taskAlertId = alertId;
    });
    const responder = roster.get(responderId);
    await this.withdrawOffersOf(responderId);
    const alert = await alerts.announce(alertId, 'updated');
    this.tellWatch(
      alert,
      responder
        ? `${responder.kind === 'staff' ? '工作人员' : '志愿者'}${responder.name}正在赶来`
        : '有人正在赶来',
    );
    return { ok: true, task: result.task };
  }

  /**
   * A specialist assigns (or reassigns) by hand: the responder must be free; the previous
   * responder, if any, is released and told; pending offers are withdrawn, the alert's and the
   * responder's own of other alerts.
   */
  async assign(alertId: string, responderId: string, actor: string): Promise<AcceptResult> {
    const { alerts, roster, tasks } = this.deps;
    const now = this.deps.now();
    let released: string[] = [];
    const result = await retryingRaces(() =>
      this.deps.telling.transaction(async (trx, tell): Promise<AcceptResult> => {
        // Who holds it now, read here and held by a conditional update: an acceptance committed
        // meanwhile makes this transaction run again, and its responder is then released.
        const previous = await trx
          .selectFrom('alerts')
          .select(['assignee_id', 'elder_id'])
          .where('id', '=', alertId)
          .executeTakeFirst();
        if (!previous) throw new LostRace();
        const held = await trx
          .updateTable('alerts')
          .set({ updated_at: now })
          .where('id', '=', alertId)
          .where((eb) =>
            previous.assignee_id
              ? eb('assignee_id', '=', previous.assignee_id)
              : eb('assignee_id', 'is', null),
          )
          .executeTakeFirst();
        if (Number(held.numUpdatedRows) === 0) throw new WriteRaceLost(`alert ${alertId}`);
        // A hand assignment does not put anyone on duty: it only makes sure the row exists.
        await upsertResponderState(trx, responderId, now, {});
        const free = await trx
          .updateTable('responder_state')
          .set({ task_alert_id: alertId, updated_at: now })
          .where('responder_id', '=', responderId)
          .where('task_alert_id', 'is', null)
          .executeTakeFirst();
        if (Number(free.numUpdatedRows) === 0) return { ok: false, reason: 'busy' };
        const moved = await alerts.applyTransition(trx, alertId, {
          from: ['open', 'assigned', 'on_site'],
          to: 'assigned',
          actor,
          note: { code: 'assigned_by_hand', params: { responder_id: responderId } },
          set: {
            assignee_id: responderId,
            accepted_at: now,
            on_site_at: null,
            next_step_at: arrivalDeadline(
              this.deps.timings,
              now,
              this.distanceToHome(previous.elder_id, responderId),
            ),
          },
        });
        if (!moved) throw new LostRace();
        // Anyone else holding it (the previous responder) is released, their acceptance undone.
        const others = await trx
          .updateTable('responder_state')
          .set({ task_alert_id: null, updated_at: now })
          .where('task_alert_id', '=', alertId)
          .where('responder_id', '!=', responderId)
          .returning('responder_id')
          .execute();
        released = others.map((o) => o.responder_id);
        if (released.length > 0) {
          await trx
            .updateTable('offers')
            .set({ status: 'withdrawn', answered_at: now })
            .where('alert_id', '=', alertId)
            .where('responder_id', 'in', released)
            .where('status', '=', 'accepted')
            .execute();
        }
        for (const other of released) await tell({ type: 'task_closed', responderId: other, alertId });
        await tasks.withdrawPending(trx, tell, alertId, now);
        const task = await tasks.task(trx, alertId);
        await tell({ type: 'task', responderId, task });
        return { ok: true, task };
      }),
    ).catch((error: unknown) => {
      if (error instanceof LostRace) return { ok: false as const, reason: 'not_pending' as const };
      throw error;
    });
    if (!result.ok) return result;
    for (const other of released) tasks.released(other);
    const responder = roster.get(responderId);
    roster.update(responderId, (r) => {
      r.taskAlertId = alertId;
    });
    await this.withdrawOffersOf(responderId);
    const alert = await alerts.announce(alertId, 'updated');
    this.tellWatch(alert, responder ? `${responder.name}正在赶来` : '有人正在赶来');
    return result;
  }

  /** The responder gives the task back (cannot go after all): the ladder resumes at once. */
  handBack(alertId: string, responderId: string): Promise<boolean> {
    return this.giveBack(alertId, responderId, 'handed_back', responderId);
  }

  /** Tasks whose check-in is overdue go back; the ladder resumes and the console hears of it. */
  async returnOverdue(alertId?: string): Promise<void> {
    let query = this.deps.db
      .selectFrom('alerts')
      .select(['id', 'assignee_id'])
      .where('status', '=', 'assigned')
      .where('next_step_at', '<=', this.deps.now());
    if (alertId) query = query.where('id', '=', alertId);
    for (const row of await query.execute()) {
      if (row.assignee_id) await this.giveBack(row.id, row.assignee_id, 'checkin_overdue', 'hub');
    }
  }

  /**
   * The alert goes back to `open` with its ladder due now; the responder is released (and, by
   * the offer's new status, not asked again for it); the console is told why.
   */
  private async giveBack(
    alertId: string,
    responderId: string,
    why: 'handed_back' | 'checkin_overdue',
    actor: string,
  ): Promise<boolean> {
    const { db, alerts, tasks } = this.deps;
    const now = this.deps.now();
    const moved = await this.deps.telling.transaction(async (trx, tell) => {
      // Only the one who holds it can give it back.
      const holder = await trx
        .selectFrom('alerts')
        .select('assignee_id')
        .where('id', '=', alertId)
        .executeTakeFirst();
      if (holder?.assignee_id !== responderId) return false;
      const back = await alerts.applyTransition(trx, alertId, {
        from: ['assigned'],
        to: 'open',
        actor,
        note: { code: why, params: { responder_id: responderId } },
        set: { assignee_id: null, accepted_at: null, next_step_at: now },
      });
      if (!back) return false;
      await trx
        .updateTable('responder_state')
        .set({ task_alert_id: null, updated_at: now })
        .where('responder_id', '=', responderId)
        .where('task_alert_id', '=', alertId)
        .execute();
      await trx
        .updateTable('offers')
        .set({ status: why, answered_at: now })
        .where('alert_id', '=', alertId)
        .where('responder_id', '=', responderId)
        .where('status', '=', 'accepted')
        .execute();
      await tell({ type: 'task_closed', responderId, alertId });
      return true;
    });
    if (!moved) return false;
    tasks.released(responderId);
    const alert = await alerts.announce(alertId, 'updated');
    const unit = await db
      .selectFrom('org_units')
      .select('path')
      .where('id', '=', alert.org_unit_id)
      .executeTakeFirst();
    this.deps.notices.publish({
      type: 'escalation',
      alert,
      orgUnitPath: unit?.path ?? '/',
      to: 'console',
      step: -1,
      reason: why,
    });
    this.deps.stepNow(alertId);
    return true;
  }

  /** How far the responder is from the elder's home, when both are known. */
  private distanceToHome(elderId: string | null | undefined, responderId: string): number | null {
    const home = elderId ? this.deps.district.elder(elderId) : undefined;
    const r = this.deps.roster.get(responderId);
    if (!home || home.lat === null || home.lon === null || !r || r.lat === null || r.lon === null)
      return null;
    return Math.round(distance(r.lon, r.lat, home.lon, home.lat) * 1000);
  }

  /**
   * A decline; when nobody of the current step is left to answer, the ladder moves on now.
   * Returns the offer's alert, or null where the offer was not pending for this responder.
   */
  async decline(offerId: string, responderId: string): Promise<string | null> {
    const { db } = this.deps;
    const now = this.deps.now();
    const offer = await db
      .updateTable('offers')
      .set({ status: 'declined', answered_at: now })
      .where('id', '=', offerId)
      .where('responder_id', '=', responderId)
      .where('status', '=', 'pending')
      .returning(['alert_id'])
      .executeTakeFirst();
    if (!offer) return null;
    await this.deps.alerts.record(db, offer.alert_id, {
      actor: responderId,
      note: { code: 'declined', params: {} },
    });
    if (await this.nobodyWaits(offer.alert_id, now)) this.deps.stepNow(offer.alert_id);
    return offer.alert_id;
  }

  /**
   * Offers pending to responders whose app has been offline longer than the grace, and who hold no
   * push subscription, are withdrawn: nothing reaches such a closed phone, so waiting out the step
   * would only delay the next responder. A push subscription reaches it: that offer stays.
   * The timeline says why; an alert left with nobody to answer takes its next step at once.
   */
  async withdrawFromOffline(): Promise<void> {
    const { db, alerts } = this.deps;
    const now = this.deps.now();
    // From the open alerts (few, indexed by status): only they have offers pending. Run every tick.
    const unreachable = await db
      .selectFrom('alerts as a')
      .innerJoin('offers as f', (j) => j.onRef('f.alert_id', '=', 'a.id').on('f.status', '=', 'pending'))
      .innerJoin('responder_state as s', 's.responder_id', 'f.responder_id')
      .select(['f.id', 'f.alert_id', 'f.responder_id'])
      .where('a.status', '=', 'open')
      .where('s.app_offline_since', '<=', now - this.deps.timings.appOfflineGraceMs)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('push_subscriptions as p')
              .select('p.endpoint')
              .whereRef('p.responder_id', '=', 'f.responder_id'),
          ),
        ),
      )
      .execute();
    for (const offer of unreachable) {
      const withdrawn = await this.deps.telling.transaction(async (trx, tell) => {
        const moved = await trx
          .updateTable('offers')
          .set({ status: 'withdrawn', answered_at: now })
          .where('id', '=', offer.id)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) === 0) return false;
        await alerts.record(trx, offer.alert_id, {
          actor: 'hub',
          note: {
            code: 'offer_withdrawn',
            params: { responder_id: offer.responder_id, reason: 'app_offline' },
          },
        });
        await tellWithdrawn(tell, offer.alert_id, [offer]);
        return true;
      });
      if (!withdrawn) continue;
      if (await this.nobodyWaits(offer.alert_id, now)) this.deps.stepNow(offer.alert_id);
      await alerts.announce(offer.alert_id, 'updated');
    }
  }

  /**
   * A responder who can take no other task now (off duty, or holding one): their offers still pending
   * are withdrawn and they are told; an alert left with nobody to answer steps on now, not when its
   * step runs out.
   */
  async withdrawOffersOf(responderId: string): Promise<void> {
    const now = this.deps.now();
    const withdrawn = await this.deps.telling.transaction(async (trx, tell) => {
      const offers = await trx
        .updateTable('offers')
        .set({ status: 'withdrawn', answered_at: now })
        .where('responder_id', '=', responderId)
        .where('status', '=', 'pending')
        .returning(['id', 'alert_id', 'responder_id'])
        .execute();
      for (const offer of offers) await tellWithdrawn(tell, offer.alert_id, [offer]);
      return offers;
    });
    for (const offer of withdrawn) {
      if (await this.nobodyWaits(offer.alert_id, now)) this.deps.stepNow(offer.alert_id);
    }
  }

  /** Whether nobody of the alert's current step is left to answer; if so, its next step is due now. */
  private async nobodyWaits(alertId: string, now: number): Promise<boolean> {
    const { db } = this.deps;
    const waiting = await db
      .selectFrom('offers')
      .select('id')
      .where('alert_id', '=', alertId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (waiting) return false;
    await db
      .updateTable('alerts')
      .set({ next_step_at: now })
      .where('id', '=', alertId)
      .where('status', '=', 'open')
      .execute();
    return true;
  }

  /** The wearer hears who is coming on their watch (best effort: a failure is only logged). */
  private tellWatch(alert: Alert, text: string): void {
    if (!alert.device_id || !alert.elder_id || !activeStatuses.includes(alert.status)) return;
    const showing = (this.deps.district.elder(alert.elder_id)?.devices ?? []).filter((d) =>
      d.type.commands.includes('notify'),
    );
    Promise.all(showing.map((d) => this.deps.notify(d.id, text))).catch((error: unknown) =>
      this.deps.logger.warn({ err: error, alert: alert.id }, 'could not tell the watch'),
    );
  }
}

/** Another acceptance or assignment moved the alert first: this transaction is rolled back. */
class LostRace extends Error {}
