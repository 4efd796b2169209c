import { randomUUID } from 'node:crypto';
import { distance } from 'geokdbush';
import type { Logger } from 'pino';
import type { Channel } from '../gateway/channel.js';
import type { Database } from '../store/database.js';
import { type Alert, type AlertBook, type AlertUpdate, activeStatuses } from './alert-book.js';
import { type DispatchTimings, ladderFor } from './policy.js';
import type { ResponderRoster } from './responder-roster.js';

/** What responders and the console are told as dispatch goes on. */
export type DispatchNotice =
  | { type: 'offer'; responderId: string; offer: OfferView }
  | { type: 'withdrawn'; responderId: string; offerId: string; alertId: string }
  | { type: 'escalation'; alert: Alert; orgUnitPath: string; to: 'console' | 'family'; step: number }
  | { type: 'task'; responderId: string; task: TaskView }
  | { type: 'task_closed'; responderId: string; alertId: string };

/** An offer as the responder sees it before accepting: what and how far, nobody's name. */
export interface OfferView {
  offer_id: string;
  alert_id: string;
  kind: string;
  severity: string;
  /** Rounded to 100 m: enough to decide, not enough to locate a home. */
  distance_m: number;
  expires_at: number;
}

/** Revealed to the responder who accepts, and only while the task is theirs. */
export interface TaskView {
  alert_id: string;
  kind: string;
  severity: string;
  elder: { id: string; name: string; address: string; lat: number | null; lon: number | null };
}

export type AcceptResult =
  | { ok: true; task: TaskView }
  | { ok: false; reason: 'not_found' | 'not_pending' | 'taken' | 'busy' };

/**
 * Gets a person to the door: runs each open alert's escalation ladder (offers to the
 * nearest able responders, wider and wider), takes acceptances (the first wins, once),
 * and hands the alert to people when nobody accepts. The ladder's position and next
 * step time are stored with the alert, so a restart resumes where it was.
 */
export class Dispatcher {
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private stepping: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      db: Database;
      alerts: AlertBook;
      roster: ResponderRoster;
      updates: Channel<AlertUpdate>;
      notices: Channel<DispatchNotice>;
      notify: (deviceId: string, text: string) => Promise<unknown>;
      timings: DispatchTimings;
      now: () => number;
      logger: Logger;
      tickMs: number;
    },
  ) {}

  async start(): Promise<void> {
    await this.deps.roster.load();
    this.unsubscribe = this.deps.updates.subscribe((u) => {
      if (u.change === 'opened') this.schedule(u.alert.id);
      if (u.change === 'closed') void this.taskClosed(u.alert).catch((e: unknown) => this.fail(e));
    });
    this.timer = setInterval(() => this.schedule(), this.deps.tickMs);
    this.schedule();
  }

  /** Responders and their state as stored now (after a district change, or another node's writes). */
  async reloadRoster(): Promise<void> {
    await this.deps.roster.load();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    clearInterval(this.timer);
    await this.stepping;
  }

  /** Resolves once pending ladder steps are done (tests). */
  idle(): Promise<void> {
    return this.stepping;
  }

  /** Steps due now run one after another: a step is never taken twice, even by two ticks. */
  schedule(alertId?: string): void {
    this.stepping = this.stepping.then(() => this.runDue(alertId)).catch((e: unknown) => this.fail(e));
  }

  private async runDue(alertId?: string): Promise<void> {
    const now = this.deps.now();
    let query = this.deps.db
      .selectFrom('alerts')
      .select(['id', 'ladder_step', 'next_step_at'])
      .where('status', '=', 'open')
      .where((eb) => eb.or([eb('ladder_step', '=', -1), eb('next_step_at', '<=', now)]));
    if (alertId) query = query.where('id', '=', alertId);
    for (const row of await query.execute()) await this.takeStep(row.id, row.ladder_step);
  }

  /** Takes step `done + 1` of the alert's ladder, if nobody took it already. */
  private async takeStep(alertId: string, done: number): Promise<void> {
    const { db, roster, timings, alerts } = this.deps;
    const alert = await db
      .selectFrom('alerts as a')
      .innerJoin('elders as e', 'e.id', 'a.elder_id')
      .innerJoin('org_units as o', 'o.id', 'e.org_unit_id')
      .select(['a.kind', 'a.severity', 'e.lat', 'e.lon', 'o.path'])
      .where('a.id', '=', alertId)
      .executeTakeFirst();
    const ladder = alert && ladderFor(alert.kind as Alert['kind'], alert.severity as Alert['severity']);
    const k = done + 1;
    const step = ladder?.steps[k];
    const now = this.deps.now();
    const notices: DispatchNotice[] = [];
    let escalations: Array<'console' | 'family'> = [];
    // Read before the transaction: on SQLite the transaction holds the only connection.
    const community = alert ? await this.communityPath(alert.path) : '/';
    const taken = await db.transaction().execute(async (trx) => {
      const moved = await trx
        .updateTable('alerts')
        .set({ ladder_step: k, next_step_at: step ? now + timings.offerExpiryMs : null })
        .where('id', '=', alertId)
        .where('ladder_step', '=', done)
        .where('status', '=', 'open')
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 0) return false;
      // The last step's offers expire: the alert now waits for the people it was escalated to.
      const expired = await trx
        .updateTable('offers')
        .set({ status: 'expired', answered_at: now })
        .where('alert_id', '=', alertId)
        .where('status', '=', 'pending')
        .returning(['id', 'responder_id'])
        .execute();
      for (const o of expired)
        notices.push({ type: 'withdrawn', responderId: o.responder_id, offerId: o.id, alertId });
      if (!alert || !step || alert.lat === null || alert.lon === null) {
        await alerts.record(trx, alertId, {
          actor: 'hub',
          note: { code: step ? 'no_location' : 'ladder_ended', params: {} },
        });
        return true;
      }
      const declined = await trx
        .selectFrom('offers')
        .select('responder_id')
        .where('alert_id', '=', alertId)
        .where('status', '=', 'declined')
        .execute();
      const candidates = roster.match(
        { lat: alert.lat, lon: alert.lon },
        step,
        community,
        new Set(declined.map((d) => d.responder_id)),
      );
      for (const c of candidates) {
        const offer: OfferView = {
          offer_id: randomUUID(),
          alert_id: alertId,
          kind: alert.kind,
          severity: alert.severity,
          distance_m: Math.max(100, Math.round(c.distanceM / 100) * 100),
          expires_at: now + timings.offerExpiryMs,
        };
        await trx
          .insertInto('offers')
          .values({
            id: offer.offer_id,
            alert_id: alertId,
            responder_id: c.responder.id,
            status: 'pending',
            distance_m: c.distanceM,
            ladder_step: k,
            created_at: now,
            expires_at: offer.expires_at,
            answered_at: null,
          })
          .execute();
        notices.push({ type: 'offer', responderId: c.responder.id, offer });
      }
      const position = { step: k + 1, steps: ladder!.steps.length };
      await alerts.record(trx, alertId, {
        actor: 'hub',
        note: candidates.length
          ? {
              code: 'offered',
              params: {
                ...position,
                responders: candidates.map((c) => ({
                  id: c.responder.id,
                  name: c.responder.name,
                  kind: c.responder.kind,
                  distance_m: c.distanceM,
                })),
              },
            }
          : { code: 'nobody_available', params: position },
      });
      escalations = step.escalateTo;
      for (const to of escalations)
        await alerts.record(trx, alertId, { actor: 'hub', note: { code: 'escalated', params: { to } } });
      // Nobody to wait for: go on at once (the last step leaves the alert with people).
      if (candidates.length === 0 && ladder!.steps[k + 1]) {
        await trx.updateTable('alerts').set({ next_step_at: now }).where('id', '=', alertId).execute();
      }
      return true;
    });
    if (!taken) return;
    for (const n of notices) this.deps.notices.publish(n);
    if (escalations.length > 0 || notices.some((n) => n.type === 'offer')) {
      const announced = await alerts.announce(alertId, 'updated');
      const path = alert?.path ?? '/';
      for (const to of escalations)
        this.deps.notices.publish({ type: 'escalation', alert: announced, orgUnitPath: path, to, step: k });
    }
  }

  /** The first acceptance wins, exactly once: conditional updates of the offer, the alert and the responder. */
  async accept(offerId: string, responderId: string): Promise<AcceptResult> {
    const { db, alerts, roster } = this.deps;
    const now = this.deps.now();
    const withdrawn: Array<{ id: string; responder_id: string }> = [];
    const result = await db
      .transaction()
      .execute(async (trx): Promise<AcceptResult & { alertId?: string }> => {
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
          set: { assignee_id: responderId, accepted_at: now, next_step_at: null },
        });
        if (!won) throw new LostRace();
        await trx
          .updateTable('offers')
          .set({ status: 'accepted', answered_at: now })
          .where('id', '=', offerId)
          .execute();
        withdrawn.push(
          ...(await trx
            .updateTable('offers')
            .set({ status: 'withdrawn', answered_at: now })
            .where('alert_id', '=', offer.alert_id)
            .where('status', '=', 'pending')
            .returning(['id', 'responder_id'])
            .execute()),
        );
        return { ok: true, task: await this.task(trx, offer.alert_id), alertId: offer.alert_id };
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
    const responder = roster.get(responderId);
    if (responder) responder.taskAlertId = result.alertId;
    for (const o of withdrawn) {
      this.deps.notices.publish({
        type: 'withdrawn',
        responderId: o.responder_id,
        offerId: o.id,
        alertId: result.alertId,
      });
    }
    const alert = await alerts.announce(result.alertId, 'updated');
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
   * responder, if any, is released; pending offers are withdrawn.
   */
  async assign(alertId: string, responderId: string, actor: string): Promise<AcceptResult> {
    const { db, alerts, roster } = this.deps;
    const now = this.deps.now();
    const previous = await db
      .selectFrom('alerts')
      .select('assignee_id')
      .where('id', '=', alertId)
      .executeTakeFirst();
    const result = await db
      .transaction()
      .execute(async (trx): Promise<AcceptResult> => {
        await trx
          .insertInto('responder_state')
          .values({
            responder_id: responderId,
            on_duty: 1,
            lat: null,
            lon: null,
            located_at: null,
            task_alert_id: null,
            updated_at: now,
          })
          .onConflict((oc) => oc.column('responder_id').doNothing())
          .execute();
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
          set: { assignee_id: responderId, accepted_at: now, on_site_at: null, next_step_at: null },
        });
        if (!moved) throw new LostRace();
        if (previous?.assignee_id && previous.assignee_id !== responderId) {
          await trx
            .updateTable('responder_state')
            .set({ task_alert_id: null, updated_at: now })
            .where('responder_id', '=', previous.assignee_id)
            .execute();
        }
        return { ok: true, task: await this.task(trx, alertId) };
      })
      .catch((error: unknown) => {
        if (error instanceof LostRace) return { ok: false as const, reason: 'not_pending' as const };
        throw error;
      });
    if (!result.ok) return result;
    if (previous?.assignee_id && previous.assignee_id !== responderId) {
      const before = roster.get(previous.assignee_id);
      if (before) before.taskAlertId = null;
      this.deps.notices.publish({ type: 'task_closed', responderId: previous.assignee_id, alertId });
    }
    const responder = roster.get(responderId);
    if (responder) responder.taskAlertId = alertId;
    const withdrawn = await db
      .updateTable('offers')
      .set({ status: 'withdrawn', answered_at: now })
      .where('alert_id', '=', alertId)
      .where('status', '=', 'pending')
      .returning(['id', 'responder_id'])
      .execute();
    for (const o of withdrawn)
      this.deps.notices.publish({ type: 'withdrawn', responderId: o.responder_id, offerId: o.id, alertId });
    this.deps.notices.publish({ type: 'task', responderId, task: result.task });
    const alert = await alerts.announce(alertId, 'updated');
    this.tellWatch(alert, responder ? `${responder.name}正在赶来` : '有人正在赶来');
    return result;
  }

  /** A decline; when nobody of the current step is left to answer, the ladder moves on now. */
  async decline(offerId: string, responderId: string): Promise<boolean> {
    const now = this.deps.now();
    const offer = await this.deps.db
      .updateTable('offers')
      .set({ status: 'declined', answered_at: now })
      .where('id', '=', offerId)
      .where('responder_id', '=', responderId)
      .where('status', '=', 'pending')
      .returning(['alert_id'])
      .executeTakeFirst();
    if (!offer) return false;
    await this.deps.alerts.record(this.deps.db, offer.alert_id, {
      actor: responderId,
      note: { code: 'declined', params: {} },
    });
    const waiting = await this.deps.db
      .selectFrom('offers')
      .select('id')
      .where('alert_id', '=', offer.alert_id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (!waiting) {
      await this.deps.db
        .updateTable('alerts')
        .set({ next_step_at: now })
        .where('id', '=', offer.alert_id)
        .where('status', '=', 'open')
        .execute();
      this.schedule(offer.alert_id);
    }
    return true;
  }

  /** On or off duty (from the responder app); a responder off duty gets no offers. */
  async setDuty(responderId: string, onDuty: boolean): Promise<void> {
    const now = this.deps.now();
    await this.deps.db
      .insertInto('responder_state')
      .values({
        responder_id: responderId,
        on_duty: onDuty ? 1 : 0,
        lat: null,
        lon: null,
        located_at: null,
        task_alert_id: null,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('responder_id').doUpdateSet({ on_duty: onDuty ? 1 : 0, updated_at: now }))
      .execute();
    const r = this.deps.roster.get(responderId);
    if (r) r.onDuty = onDuty;
  }

  /** The responder app's live location. */
  async locate(responderId: string, lat: number, lon: number): Promise<void> {
    const now = this.deps.now();
    await this.deps.db
      .insertInto('responder_state')
      .values({
        responder_id: responderId,
        on_duty: 0,
        lat,
        lon,
        located_at: now,
        task_alert_id: null,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.column('responder_id').doUpdateSet({ lat, lon, located_at: now, updated_at: now }),
      )
      .execute();
    this.deps.roster.moved(responderId, lat, lon);
  }

  /** Arrival: the responder checks in within `onSiteRadiusM` of the home; the alert goes `on_site`. */
  async checkIn(
    responderId: string,
    lat: number,
    lon: number,
  ): Promise<{ ok: true } | { ok: false; reason: 'no_task' | 'too_far'; distance_m?: number }> {
    await this.locate(responderId, lat, lon);
    const task = await this.currentTask(responderId);
    if (!task) return { ok: false, reason: 'no_task' };
    const { lat: homeLat, lon: homeLon } = task.elder;
    const away =
      homeLat === null || homeLon === null ? 0 : Math.round(distance(lon, lat, homeLon, homeLat) * 1000);
    if (away > this.deps.timings.onSiteRadiusM) return { ok: false, reason: 'too_far', distance_m: away };
    const moved = await this.deps.alerts.transition(task.alert_id, {
      from: ['assigned'],
      to: 'on_site',
      actor: responderId,
      note: { code: 'checked_in', params: { distance_m: away } },
      set: { on_site_at: this.deps.now() },
    });
    return moved ? { ok: true } : { ok: false, reason: 'no_task' };
  }

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
      distance_m: Math.max(100, Math.round((r.distance_m ?? 0) / 100) * 100),
      expires_at: r.expires_at,
    }));
  }

  /** The responder's current task with the person's details, or null: hidden again once closed. */
  async currentTask(responderId: string): Promise<TaskView | null> {
    const state = await this.deps.db
      .selectFrom('responder_state')
      .select('task_alert_id')
      .where('responder_id', '=', responderId)
      .executeTakeFirst();
    return state?.task_alert_id ? this.task(this.deps.db, state.task_alert_id) : null;
  }

  /** An alert closed or reassigned away: its responder is free again and its offers withdrawn. */
  private async taskClosed(alert: Alert): Promise<void> {
    const now = this.deps.now();
    const holders = await this.deps.db
      .updateTable('responder_state')
      .set({ task_alert_id: null, updated_at: now })
      .where('task_alert_id', '=', alert.id)
      .returning('responder_id')
      .execute();
    for (const h of holders) {
      const r = this.deps.roster.get(h.responder_id);
      if (r) r.taskAlertId = null;
      this.deps.notices.publish({ type: 'task_closed', responderId: h.responder_id, alertId: alert.id });
    }
    const withdrawn = await this.deps.db
      .updateTable('offers')
      .set({ status: 'withdrawn', answered_at: now })
      .where('alert_id', '=', alert.id)
      .where('status', '=', 'pending')
      .returning(['id', 'responder_id'])
      .execute();
    for (const o of withdrawn)
      this.deps.notices.publish({
        type: 'withdrawn',
        responderId: o.responder_id,
        offerId: o.id,
        alertId: alert.id,
      });
  }

  private async task(db: Pick<Database, 'selectFrom'>, alertId: string): Promise<TaskView> {
    const row = await db
      .selectFrom('alerts as a')
      .innerJoin('elders as e', 'e.id', 'a.elder_id')
      .select(['a.id', 'a.kind', 'a.severity', 'e.id as elder_id', 'e.name', 'e.address', 'e.lat', 'e.lon'])
      .where('a.id', '=', alertId)
      .executeTakeFirstOrThrow();
    return {
      alert_id: row.id,
      kind: row.kind,
      severity: row.severity,
      elder: { id: row.elder_id, name: row.name, address: row.address, lat: row.lat, lon: row.lon },
    };
  }

  /** The community an org unit path belongs to (the "local" of local service). */
  private async communityPath(path: string): Promise<string> {
    const ids = path.split('/').filter(Boolean);
    const community = await this.deps.db
      .selectFrom('org_units')
      .select('path')
      .where('id', 'in', ids)
      .where('level', '=', 'community')
      .executeTakeFirst();
    return community?.path ?? path;
  }

  private tellWatch(alert: Alert, text: string): void {
    if (!alert.device_id || !activeStatuses.includes(alert.status)) return;
    this.deps.db
      .selectFrom('devices')
      .select('id')
      .where('elder_id', '=', alert.elder_id)
      .where('type', '=', 'watch')
      .where('revoked_at', 'is', null)
      .execute()
      .then((watches) => Promise.all(watches.map((w) => this.deps.notify(w.id, text))))
      .catch((error: unknown) =>
        this.deps.logger.warn({ err: error, alert: alert.id }, 'could not tell the watch'),
      );
  }

  private fail(error: unknown): void {
    this.deps.logger.error({ err: error }, 'dispatch step failed; retried at the next tick');
  }
}

class LostRace extends Error {}
