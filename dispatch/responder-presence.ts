import { distance } from 'geokdbush';
import type { AlertBook } from '../alerts/alert-book.js';
import type { Database } from '../store/database.js';
import type { DispatchTimings } from './dispatch-timings.js';
import type { ResponderRoster } from './responder-roster.js';
import type { ResponderTasks } from './responder-tasks.js';

export type CheckInResult = { ok: true } | { ok: false; reason: 'no_task' | 'too_far'; distance_m?: number };

/**
 * Where a responder is and whether they can be asked: duty and live location from the
 * responder app, and the check-in at the home that puts the alert `on_site`.
 */
export class ResponderPresence {
  constructor(
    private readonly deps: {
      db: Database;
      alerts: AlertBook;
      roster: ResponderRoster;
      tasks: ResponderTasks;
      timings: DispatchTimings;
      now: () => number;
    },
  ) {}

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
  async checkIn(responderId: string, lat: number, lon: number): Promise<CheckInResult> {
    await this.locate(responderId, lat, lon);
    const task = await this.deps.tasks.currentTask(responderId);
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
      set: { on_site_at: this.deps.now(), next_step_at: null },
    });
    return moved ? { ok: true } : { ok: false, reason: 'no_task' };
  }
}
