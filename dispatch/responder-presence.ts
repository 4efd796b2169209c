import type { AlertBook } from '../alerts/alert-book.js';
import { KeyedTurns } from '../kernel/keyed-turns.js';
import { onSite } from '../registry/home-distance.js';
import type { Database } from '../store/database.js';
import type { ResponderStateTable } from '../store/schema.js';
import type { TaskView } from './dispatch-notices.js';
import type { DispatchTimings } from './dispatch-timings.js';
import type { ResponderRoster } from './responder-roster.js';
import type { ResponderTasks } from './responder-tasks.js';

/** On site: the task as it now stands (`on_site`), for the responder's other devices. */
export type CheckInResult =
  | { ok: true; task: TaskView }
  | { ok: false; reason: 'no_task' | 'too_far'; distance_m?: number };

/**
 * Where a responder is and whether they can be asked: duty and live location from the
 * responder app, and the check-in at the home that puts the alert `on_site`.
 */
export class ResponderPresence {
  /** A responder's app changes one after another: the store and the roster then say the same. */
  private readonly appTurns = new KeyedTurns();

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
    await upsertResponderState(this.deps.db, responderId, this.deps.now(), { on_duty: onDuty ? 1 : 0 });
    this.deps.roster.update(responderId, (r) => {
      r.onDuty = onDuty;
    });
  }

  /** Whether the hub has the responder on duty (what the app shows at every connect). */
  onDuty(responderId: string): boolean {
    return this.deps.roster.get(responderId)?.onDuty ?? false;
  }

  /**
   * The responder's app connected (`true`) or its last connection closed (`false`): from the
   * grace period after a close, the responder is offered nothing until the app is back.
   */
  appConnection(responderId: string, connected: boolean): Promise<void> {
    return this.appTurns.run(responderId, async () => {
      const since = connected ? null : this.deps.now();
      await upsertResponderState(this.deps.db, responderId, this.deps.now(), { app_offline_since: since });
      this.deps.roster.update(responderId, (r) => {
        r.appOfflineSince = since;
      });
    });
  }

  /**
   * The apps counted connected (on duty, no close recorded) that have no socket on any node — their
   * hub crashed or their node died, so no close was ever seen — are offline from now: else a phone
   * that never comes back is offered every alert, each waiting out its step. `liveApps` lists the
   * responders with a socket now. A responder whose state changed since the check began (the app just
   * connected: its socket may have joined after the list was read) is left to the next check. The
   * roster is brought to what the store says of the apps without a socket: one loaded from a read
   * older than a mark (at a start) would otherwise offer to a gone app until it changes again.
   */
  async appsGone(liveApps: () => Promise<ReadonlySet<string>>): Promise<string[]> {
    const { db, roster, now } = this.deps;
    const checkedFrom = now();
    const live = await liveApps();
    const onDuty = await db
      .selectFrom('responder_state')
      .select(['responder_id', 'app_offline_since'])
      .where('on_duty', '=', 1)
      .execute();
    const gone: string[] = [];
    for (const { responder_id: id, app_offline_since: since } of onDuty) {
      if (live.has(id)) continue;
      if (since !== null) {
        if (roster.get(id)?.appOfflineSince === null)
          await this.appTurns.run(id, () => this.rosterFollows(id));
        continue;
      }
      const marked = await this.appTurns.run(id, async () => {
        const at = now();
        const update = await db
          .updateTable('responder_state')
          .set({ app_offline_since: at, updated_at: at })
          .where('responder_id', '=', id)
          .where('app_offline_since', 'is', null)
          .where('updated_at', '<', checkedFrom)
          .executeTakeFirst();
        if (Number(update.numUpdatedRows) === 0) return false;
        roster.update(id, (r) => {
          r.appOfflineSince = at;
        });
        return true;
      });
      if (marked) gone.push(id);
    }
    return gone;
  }

  /** The roster takes the app's state as stored now (read in the responder's turn: no change of ours overtakes it). */
  private async rosterFollows(id: string): Promise<void> {
    const stored = await this.deps.db
      .selectFrom('responder_state')
      .select('app_offline_since')
      .where('responder_id', '=', id)
      .executeTakeFirst();
    if (stored)
      this.deps.roster.update(id, (r) => {
        r.appOfflineSince = stored.app_offline_since;
      });
  }

  /**
   * The responder holds a push subscription (or no longer does): reachable with the app closed. The
   * state's time is touched so that other processes' rosters read it at their catch-up.
   */
  async reachableByPush(responderId: string, reachable: boolean): Promise<void> {
    await upsertResponderState(this.deps.db, responderId, this.deps.now(), {});
    this.deps.roster.update(responderId, (r) => {
      r.pushReachable = reachable;
    });
  }

  /** The responder app's live location. */
  async locate(responderId: string, lat: number, lon: number): Promise<void> {
    const now = this.deps.now();
    await upsertResponderState(this.deps.db, responderId, now, { lat, lon, located_at: now });
    this.deps.roster.moved(responderId, lat, lon);
  }

  /** Arrival: the responder checks in within `onSiteRadiusM` of the home; the alert goes `on_site`. */
  async checkIn(responderId: string, lat: number, lon: number): Promise<CheckInResult> {
    await this.locate(responderId, lat, lon);
    const task = await this.deps.tasks.currentTask(responderId);
    if (!task) return { ok: false, reason: 'no_task' };
    // Checked in already (from another of their devices, or a retry whose answer was lost).
    if (task.on_site) return { ok: true, task };
    const here = onSite(task.elder, { lat, lon }, this.deps.timings.onSiteRadiusM);
    const away = here.distance_m;
    if (!here.ok) return { ok: false, reason: 'too_far', distance_m: away };
    const moved = await this.deps.alerts.transition(task.alert_id, {
      from: ['assigned'],
      to: 'on_site',
      actor: responderId,
      note: { code: 'checked_in', params: { distance_m: away } },
      set: { on_site_at: this.deps.now(), next_step_at: null },
    });
    return moved ? { ok: true, task: { ...task, on_site: true } } : { ok: false, reason: 'no_task' };
  }
}

type StateChange = Partial<Pick<ResponderStateTable, 'on_duty' | 'lat' | 'lon' | 'located_at'>> & {
  app_offline_since?: number | null;
};

/**
 * Sets some of a responder's state, creating the row (off duty, no task, nowhere) if there is none:
 * whatever is not named keeps its value, so one change never resets another (a hand assignment
 * leaves duty alone).
 */
export async function upsertResponderState(
  db: Pick<Database, 'insertInto'>,
  responderId: string,
  now: number,
  change: StateChange,
): Promise<void> {
  await db
    .insertInto('responder_state')
    .values({
      responder_id: responderId,
      on_duty: 0,
      lat: null,
      lon: null,
      located_at: null,
      task_alert_id: null,
      app_offline_since: null,
      updated_at: now,
      ...change,
    })
    .onConflict((oc) => oc.column('responder_id').doUpdateSet({ ...change, updated_at: now }))
    .execute();
}
