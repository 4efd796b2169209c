import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Alert, AlertBook } from '../alerts/alert-book.js';
import { ladderFor } from '../alerts/alert-kinds.js';
import type { LadderStep } from '../alerts/ladders.js';
import type { Channel } from '../kernel/channel.js';
import { LoopShare } from '../kernel/loop-share.js';
import type { HubMetrics } from '../kernel/metrics.js';
import type { Database } from '../store/database.js';
import type { Tables } from '../store/schema.js';
import { communityOn } from '../store/scope.js';
import { type DispatchNotice, type OfferView, offeredDistance } from './dispatch-notices.js';
import type { DispatchTimings } from './dispatch-timings.js';
import type { ResponderRoster } from './responder-roster.js';
import { closePendingOffers, tellWithdrawn } from './responder-tasks.js';
import type { ResponderTelling } from './responder-telling.js';

/**
 * Steps each open alert's escalation ladder: offers to the nearest able responders, wider
 * and wider, then the people it escalates to. The step taken and the next step's time are
 * stored with the alert (a conditional update), so a step is taken once and a restart resumes.
 */
export class EscalationLadder {
  /** A tick may step many open alerts: the sockets are read between steps. */
  private readonly turns = new LoopShare();

  constructor(
    private readonly deps: {
      db: Database;
      alerts: AlertBook;
      roster: ResponderRoster;
      notices: Channel<DispatchNotice>;
      timings: DispatchTimings;
      now: () => number;
      /** Times a critical alert's first offer. */
      metrics: Pick<HubMetrics, 'sosToOffer'>;
      /** Cluster mode: the ladders of this process's elders only (each alert's one owner). All, when unset. */
      owns?: (elderId: string) => boolean;
      /** Offers, withdrawals and family escalations, kept in the step's own transaction. */
      telling: ResponderTelling;
    },
  ) {}

  /** Takes the steps due now: of every open alert, or of one. */
  async runDue(alertId?: string): Promise<void> {
    const now = this.deps.now();
    let query = this.deps.db
      .selectFrom('alerts')
      .select(['id', 'ladder_step', 'next_step_at', 'elder_id'])
      .where('status', '=', 'open')
      .where((eb) => eb.or([eb('ladder_step', '=', -1), eb('next_step_at', '<=', now)]));
    if (alertId) query = query.where('id', '=', alertId);
    const owns = this.deps.owns ?? (() => true);
    for (const row of await query.execute()) {
      if (row.elder_id !== null && !owns(row.elder_id)) continue;
      await this.turns.share();
      await this.takeStep(row.id, row.ladder_step);
    }
  }

  /** Takes step `done + 1` of the alert's ladder, if nobody took it already. */
  private async takeStep(alertId: string, done: number): Promise<void> {
    const { db, roster, timings, alerts } = this.deps;
    const alert = await db
      .selectFrom('alerts as a')
      .innerJoin('elders as e', 'e.id', 'a.elder_id')
      .innerJoin('org_units as o', 'o.id', 'e.org_unit_id')
      .select([
        'a.kind',
        'a.severity',
        'a.opened_at',
        'e.id as elder_id',
        'e.name as elder_name',
        'e.lat',
        'e.lon',
        'o.path',
      ])
      .where('a.id', '=', alertId)
      .executeTakeFirst();
    const ladder = alert && ladderFor(alert.kind as Alert['kind'], alert.severity as Alert['severity']);
    const k = done + 1;
    const step = ladder?.steps[k];
    const now = this.deps.now();
    let offered = false;
    let escalations: Array<'console' | 'family'> = [];
    let firstOffer = false;
    // Read before the transaction: on SQLite the transaction holds the only connection.
    const community = alert ? ((await communityOn(this.deps.db, alert.path))?.path ?? alert.path) : '/';
    // What the step tells (offers and withdrawals through `tell`, the family here) is kept in its
    // transaction: the step and it commit together, or a failure rolls both back and the next tick
    // takes the step again.
    const keepFamily = async (trx: Transaction<Tables>) => {
      if (!alert || !escalations.includes('family')) return;
      const facts = {
        alertId,
        elderId: alert.elder_id,
        elderName: alert.elder_name,
        kind: alert.kind,
        severity: alert.severity,
        step: k,
      };
      await this.deps.telling.keepFamilyEscalation(trx, facts);
    };
    const taken = await this.deps.telling.transaction(async (trx, tell) => {
      const moved = await trx
        .updateTable('alerts')
        .set({ ladder_step: k, next_step_at: step ? now + timings.offerExpiryMs : null })
        .where('id', '=', alertId)
        .where('ladder_step', '=', done)
        .where('status', '=', 'open')
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 0) return false;
      // The last step's offers expire: the alert now waits for the people it was escalated to.
      const expired = await closePendingOffers(trx, alertId, now, 'expired');
      await tellWithdrawn(tell, alertId, expired);
      if (!alert || !step) {
        await alerts.record(trx, alertId, { actor: 'hub', note: { code: 'ladder_ended', params: {} } });
        return true;
      }
      if (alert.lat === null || alert.lon === null) {
        // Nobody can be sent to a home without a position: the people the ladder ends with are told
        // now, once, and the ladder stops here (its steps would only wait for nothing).
        await trx.updateTable('alerts').set({ next_step_at: null }).where('id', '=', alertId).execute();
        await alerts.record(trx, alertId, { actor: 'hub', note: { code: 'no_location', params: {} } });
        escalations = await escalationsOf(trx, ladder!.steps.at(-1)!, alert.path);
        for (const to of escalations)
          await alerts.record(trx, alertId, { actor: 'hub', note: { code: 'escalated', params: { to } } });
        await keepFamily(trx);
        return true;
      }
      const declined = await trx
        .selectFrom('offers')
        .select('responder_id')
        .where('alert_id', '=', alertId)
        // Nor again to one who declined, gave it back or did not come when they had taken it; on a
        // critical ladder neither to one who let an offer expire: the next steps go to others.
        .where('status', 'in', [
          'declined',
          'handed_back',
          'checkin_overdue',
          ...(alert.severity === 'critical' ? (['expired'] as const) : []),
        ])
        .execute();
      const candidates = roster.match(
        { lat: alert.lat, lon: alert.lon },
        step,
        community,
        new Set(declined.map((d) => d.responder_id)),
      );
      // Only a critical alert's first offer is timed: no lookup for the others.
      firstOffer =
        alert?.severity === 'critical' && candidates.length > 0 && !(await hasOffers(trx, alertId));
      for (const c of candidates) {
        const offer: OfferView = {
          offer_id: randomUUID(),
          alert_id: alertId,
          kind: alert.kind,
          severity: alert.severity,
          distance_m: offeredDistance(c.distanceM),
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
        // Kept with the offer: a crash after the commit loses neither.
        await tell({ type: 'offer', responderId: c.responder.id, offer });
        offered = true;
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
      escalations = await escalationsOf(trx, step, alert.path);
      for (const to of escalations)
        await alerts.record(trx, alertId, { actor: 'hub', note: { code: 'escalated', params: { to } } });
      await keepFamily(trx);
      // Nobody to wait for: go on at once (the last step leaves the alert with people).
      if (candidates.length === 0 && ladder!.steps[k + 1]) {
        await trx.updateTable('alerts').set({ next_step_at: now }).where('id', '=', alertId).execute();
      }
      return true;
    });
    if (!taken) return;
    if (firstOffer && alert) {
      // Sent now, after the commit: the step's own time counts too.
      this.deps.metrics.sosToOffer.observe({ kind: alert.kind }, (this.deps.now() - alert.opened_at) / 1000);
    }
    if (escalations.length > 0 || offered) {
      const announced = await alerts.announce(alertId, 'updated');
      const path = alert?.path ?? '/';
      for (const to of escalations)
        this.deps.notices.publish({ type: 'escalation', alert: announced, orgUnitPath: path, to, step: k });
    }
  }
}

/** Whether an alert was offered to anyone before (its first offer is the one that is timed). */
async function hasOffers(db: Pick<Database, 'selectFrom'>, alertId: string): Promise<boolean> {
  const offer = await db
    .selectFrom('offers')
    .select('id')
    .where('alert_id', '=', alertId)
    .limit(1)
    .executeTakeFirst();
  return offer !== undefined;
}

/** Whom a step escalates to: the family only if someone of the family can hear of it (a family user over the elder). */
async function escalationsOf(
  db: Pick<Database, 'selectFrom'>,
  step: LadderStep,
  elderPath: string,
): Promise<Array<'console' | 'family'>> {
  return step.escalateTo.includes('family') && !(await hasFamilyContact(db, elderPath))
    ? step.escalateTo.filter((to) => to !== 'family')
    : step.escalateTo;
}

/**
 * Whether a family user watches the elder's org unit (theirs is the elder's unit or above it): a unit
 * on the elder's path, by id — not a LIKE on paths, where an id's `_` or `%` would be a wildcard (a
 * family of `wang_1` is no family of `wangX1`).
 */
async function hasFamilyContact(db: Pick<Database, 'selectFrom'>, elderPath: string): Promise<boolean> {
  const units = elderPath.split('/').filter(Boolean);
  if (units.length === 0) return false;
  const user = await db
    .selectFrom('users')
    .select('username')
    .where('role', '=', 'family')
    .where('org_unit_id', 'in', units)
    .limit(1)
    .executeTakeFirst();
  return user !== undefined;
}
