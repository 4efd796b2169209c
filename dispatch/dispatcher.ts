import type { Logger } from 'pino';
import type { AlertBook, AlertUpdate } from '../alerts/alert-book.js';
import type { Channel } from '../kernel/channel.js';
import type { HubMetrics } from '../kernel/metrics.js';
import type { DistrictDirectory } from '../registry/district-directory.js';
import type { Database } from '../store/database.js';
import { Assignments } from './assignments.js';
import type { AcceptResult, DispatchNotice, OfferView, TaskView } from './dispatch-notices.js';
import type { DispatchTimings } from './dispatch-timings.js';
import { EscalationLadder } from './escalation-ladder.js';
import { type Availability, availability, type PresenceState } from './responder-availability.js';
import { type CheckInResult, ResponderPresence } from './responder-presence.js';
import { ResponderRoster } from './responder-roster.js';
import { ResponderTasks } from './responder-tasks.js';
import { ResponderTelling } from './responder-telling.js';
import type { StepOutbox } from './step-outbox.js';

/** How often a running dispatcher looks for responders left holding a closed alert. */
const repairEveryMs = 60_000;

export type { AcceptResult, DispatchNotice, OfferView, TaskView } from './dispatch-notices.js';

/**
 * Gets a person to the door: runs each open alert's escalation ladder (escalation-ladder.ts),
 * takes acceptances and hand assignments (assignments.ts), keeps responders' duty, location and
 * check-in (responder-presence.ts) and what they hold (responder-tasks.ts). This is the stage:
 * it wires them, subscribes to alert updates and ticks the ladder, one step after another.
 */
export class Dispatcher {
  private timer: NodeJS.Timeout | undefined;
  /** Between start's roster load and stop: steps are taken only then. */
  private running = false;
  private unsubscribe: (() => void) | undefined;
  private stepping: Promise<void> = Promise.resolve();
  private readonly ladder: EscalationLadder;
  private readonly tasks: ResponderTasks;
  private readonly assignments: Assignments;
  private readonly presence: ResponderPresence;
  private readonly roster: ResponderRoster;
  private unsubscribeDistrict: (() => void) | undefined;
  private lastRepair = 0;

  constructor(
    private readonly deps: {
      db: Database;
      alerts: AlertBook;
      /** The responders (master data) and the elders' devices (to tell the watch). */
      district: DistrictDirectory;
      updates: Channel<AlertUpdate>;
      notices: Channel<DispatchNotice>;
      notify: (deviceId: string, text: string) => Promise<unknown>;
      timings: DispatchTimings;
      now: () => number;
      logger: Logger;
      tickMs: number;
      metrics: HubMetrics;
      /**
       * Cluster mode: this process steps the ladders of its elders only, and reads the responder
       * state other processes stored before each round. Unset: one process, every ladder.
       */
      cluster?: { owns: (elderId: string) => boolean };
      /** The outboxes (push, the webhook's): the ladder keeps what it tells in its steps' transactions. */
      outboxes?: readonly StepOutbox[] | undefined;
    },
  ) {
    const { db, alerts, district, notices, notify, timings, now, logger, metrics } = deps;
    const roster = new ResponderRoster({ db, district, timings, now });
    this.roster = roster;
    const owns = deps.cluster?.owns;
    // One for every decision that tells a responder (or a family) something.
    const telling = new ResponderTelling({ db, notices, outboxes: deps.outboxes ?? [] });
    this.ladder = new EscalationLadder({
      db,
      alerts,
      roster,
      notices,
      timings,
      now,
      metrics,
      owns,
      telling,
    });
    this.tasks = new ResponderTasks({ db, roster, notices, now, telling });
    this.assignments = new Assignments({
      db,
      alerts,
      roster,
      tasks: this.tasks,
      district,
      timings,
      notices,
      notify,
      stepNow: (alertId) => this.schedule(alertId),
      now,
      logger,
      telling,
    });
    this.presence = new ResponderPresence({ db, alerts, roster, tasks: this.tasks, timings, now });
  }

  async start(): Promise<void> {
    await this.repair();
    await this.roster.load();
    this.unsubscribeDistrict = this.deps.district.changed.subscribe(() => this.reloadRoster());
    this.unsubscribe = this.deps.updates.subscribe((u) => {
      if (u.change === 'opened') this.schedule(u.alert.id);
      if (u.change === 'closed') void this.tasks.closed(u.alert).catch((e: unknown) => this.fail(e));
    });
    this.running = true;
    this.timer = setInterval(() => this.schedule(), this.deps.tickMs);
    this.schedule();
  }

  /**
   * Releases responders still holding a closed alert, and withdraws offers still pending for
   * responders who hold a task: at start, and every `repairEveryMs` on the tick — in cluster mode
   * the process that closed the alert (or took the acceptance) may have died before doing so, and
   * this one may run for weeks.
   */
  private async repair(): Promise<void> {
    this.lastRepair = this.deps.now();
    const released = await this.tasks.repair();
    if (released > 0) this.deps.logger.warn({ released }, 'released responders still holding closed alerts');
    const busy = await this.tasks.busyWithOffers();
    for (const responderId of busy) await this.assignments.withdrawOffersOf(responderId);
    if (busy.length > 0)
      this.deps.logger.warn({ responders: busy.length }, 'withdrew offers left to busy responders');
  }

  /** Responders and their state as stored now (after a district change, or another node's writes). */
  async reloadRoster(): Promise<void> {
    await this.deps.district.catchUp();
    await this.roster.load();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.unsubscribeDistrict?.();
    clearInterval(this.timer);
    await this.stepping;
  }

  /** Resolves once pending ladder steps are done (tests). */
  idle(): Promise<void> {
    return this.stepping;
  }

  /**
   * Steps due now run one after another: a step is never taken twice, even by two ticks. Each
   * tick first takes back offers from closed apps, so their alerts step on in the same tick.
   */
  schedule(alertId?: string): void {
    // Before start has loaded the roster (its repair withdraws offers) or after stop (a decline
    // during shutdown), a step would offer to nobody or race the store's close: the alert's next
    // step is due in the store, and the first round of a running dispatcher takes it.
    if (!this.running) return;
    this.stepping = this.stepping
      .then(() => (alertId || this.deps.now() - this.lastRepair < repairEveryMs ? undefined : this.repair()))
      .then(() => (alertId ? undefined : this.assignments.withdrawFromOffline()))
      .then(() => this.assignments.returnOverdue(alertId))
      .then(() => this.deps.cluster && this.roster.catchUp())
      .then(() => this.ladder.runDue(alertId))
      .catch((e: unknown) => this.fail(e));
  }

  accept(offerId: string, responderId: string): Promise<AcceptResult> {
    return this.assignments.accept(offerId, responderId);
  }

  /** The org unit path of a responder (null: no such responder). */
  responderPath(responderId: string): string | null {
    return this.roster.get(responderId)?.orgUnitPath ?? null;
  }

  assign(alertId: string, responderId: string, actor: string): Promise<AcceptResult> {
    return this.assignments.assign(alertId, responderId, actor);
  }

  handBack(alertId: string, responderId: string): Promise<boolean> {
    return this.assignments.handBack(alertId, responderId);
  }

  decline(offerId: string, responderId: string): Promise<string | null> {
    return this.assignments.decline(offerId, responderId);
  }

  async setDuty(responderId: string, onDuty: boolean): Promise<void> {
    await this.presence.setDuty(responderId, onDuty);
    // Off duty, their open offers go to others now: the steps would wait for answers that will not come.
    if (!onDuty) await this.assignments.withdrawOffersOf(responderId);
  }

  onDuty(responderId: string): boolean {
    return this.presence.onDuty(responderId);
  }

  appConnection(responderId: string, connected: boolean): Promise<void> {
    return this.presence.appConnection(responderId, connected);
  }

  /** Apps counted connected with no socket left on any node: offline from now (responder-presence.ts). */
  appsGone(liveApps: () => Promise<ReadonlySet<string>>): Promise<string[]> {
    return this.presence.appsGone(liveApps);
  }

  /** How often the apps counted connected are checked against the sockets: well within the grace. */
  get appCheckMs(): number {
    return this.deps.timings.appOfflineGraceMs / 2;
  }

  /** A push subscription was kept or dropped: whether offers reach the responder with the app closed. */
  reachableByPush(responderId: string, reachable: boolean): Promise<void> {
    return this.presence.reachableByPush(responderId, reachable);
  }

  /** Whether dispatch may ask a responder now, from their stored state (the boards show the same). */
  availabilityOf(state: PresenceState): Availability {
    return availability(state, this.deps.now(), this.deps.timings.appOfflineGraceMs);
  }

  locate(responderId: string, lat: number, lon: number): Promise<void> {
    return this.presence.locate(responderId, lat, lon);
  }

  checkIn(responderId: string, lat: number, lon: number): Promise<CheckInResult> {
    return this.presence.checkIn(responderId, lat, lon);
  }

  pendingOffers(responderId: string): Promise<OfferView[]> {
    return this.tasks.pendingOffers(responderId);
  }

  currentTask(responderId: string): Promise<TaskView | null> {
    return this.tasks.currentTask(responderId);
  }

  private fail(error: unknown): void {
    this.deps.logger.error({ err: error }, 'dispatch step failed; retried at the next tick');
  }
}
