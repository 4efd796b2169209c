import type { Severity } from '../../alerts/alert-book.js';
import { IncidentLedger } from '../../alerts/incident-ledger.js';
import { afterDaytime, type Daytime } from '../../ingest/daytime.js';
import type { StoredEvent } from '../../ingest/event-log.js';
import type { Reading } from '../../ingest/readings.js';
import type { ElderEntry } from '../../registry/district-directory.js';
import { replayLatestActivity } from './activity-history.js';
import { type DetectorDeps, DetectorRun, severityRank } from './detector-deps.js';
import { anyDevice } from './elder-roster.js';
import { wristMoved } from './motion.js';

export interface InactivityRules {
  /** No activity for this much waking time: `inactivity`, medium. */
  spanMs: number;
  /** The earlier warning stage: the same incident, low, `stage: 'warning'`. */
  warningMs: number;
  /** Waking hours: only these count towards the spans. */
  daytime: Daytime;
  /** Wrist movement: std of the acceleration magnitude over a reading's samples above this (g). */
  movementStdG: number;
  /** Activity this close to the last one is not looked for again (the clock needs minutes, not samples). */
  resolutionMs: number;
  /** How far back the latest activity is looked for in the store at start. */
  lookbackMs: number;
  tickMs: number;
  reconcileMs: number;
  /** Per-person spans by elder id (e.g. someone who sleeps long, or needs a shorter check). */
  perElder: Record<string, Partial<{ spanMs: number; warningMs: number }>>;
}

export const defaultInactivityRules: InactivityRules = {
  spanMs: 12 * 3_600_000,
  warningMs: 8 * 3_600_000,
  daytime: { startHour: 7, endHour: 22, utcOffsetMinutes: 8 * 60 },
  movementStdG: 0.05,
  resolutionMs: 60_000,
  lookbackMs: 2 * 86_400_000,
  tickMs: 1000,
  reconcileMs: 60_000,
  perElder: {},
};

/** How far an incident has gone: nothing raised, the warning, the alarm. */
type Stage = 0 | 1 | 2;
const Stage = { None: 0, Warning: 1, Alarm: 2 } as const;

/** The stage of an incident of this severity (none open: undefined). */
function stageOf(severity: Severity | undefined): Stage {
  if (severity === undefined) return Stage.None;
  return severityRank[severity] >= severityRank.medium ? Stage.Alarm : Stage.Warning;
}

/** Radar postures as small numbers; -1: not known yet. */
const postureCode: Record<string, number> = { sitting: 1, lying: 2, standing: 3 };
const standing = 3;

interface ElderActivity {
  id: string;
  spanMs: number;
  warningMs: number;
  /** Device time of the latest activity; null if none is known. */
  lastActivity: number | null;
  /** Hub time the elder's devices were first heard since start: the clock's origin without activity. */
  heardSince: number | null;
  warnAt: number;
  alarmAt: number;
  /** The due times are stale (activity or settings changed). */
  dirty: boolean;
  stage: Stage;
  /** The device to name on an alert: the last one heard, else any of the elder's. */
  deviceId: string;
  steps: number;
  /** The radar's latest posture with someone present (a change is movement). */
  posture: number;
}

/**
 * Inactivity: no steps, wrist movement, radar movement (standing, or a change of posture) or
 * door activity for `spanMs` of waking time (night does not count) → `inactivity`, medium,
 * after a low `warning` stage at `warningMs`; one incident per elder, cleared by the next
 * activity (`activity_seen`). An elder is watched once their devices are heard (or the store
 * shows activity): a home whose devices never report is device health's concern.
 */
export class Inactivity {
  private readonly elders = new Map<string, ElderActivity>();
  private readonly ledger: IncidentLedger;
  private readonly run = new DetectorRun();
  private replay: Promise<void> = Promise.resolve();

  constructor(private readonly deps: DetectorDeps<InactivityRules>) {
    this.ledger = new IncidentLedger({
      db: deps.db,
      alerts: deps.alerts,
      kind: 'inactivity',
      logger: deps.logger,
      raiseFailed: (elderId) => this.raiseFailed(elderId),
    });
  }

  async start(): Promise<void> {
    const { rules, now } = this.deps;
    await this.ledger.load();
    const homes = this.loadHomes();
    // An incident open before the restart keeps its stage: it is neither raised again nor lost.
    for (const elderId of this.ledger.elders()) {
      const e = this.elder(elderId);
      e.stage = stageOf(this.ledger.severity(elderId));
      e.heardSince ??= now();
    }
    this.run.begin(this.deps, {
      reading: (r) => this.onReading(r),
      event: (e) => this.onEvent(e),
      tick: () => this.tick(),
      reconcile: () => this.reconcile(),
    });
    this.replay = replayLatestActivity(
      this.deps.db,
      homes.map((h) => h.id),
      { now: now(), lookbackMs: rules.lookbackMs },
      (id, at) => {
        // Activity stored after the alert opened (the hub was down meanwhile) ends the incident too.
        const incident = this.ledger.loadedIncident(id);
        this.recordActivity(this.elder(id), at, incident !== undefined && at > incident.openedAt);
      },
    ).catch((error: unknown) =>
      this.deps.logger.error({ err: error }, 'latest activity not rebuilt; counting from the start'),
    );
  }

  async stop(): Promise<void> {
    this.run.end();
    await this.idle();
  }

  async idle(): Promise<void> {
    await this.replay;
    await this.ledger.idle();
  }

  /** After district changes: which devices and settings each elder has. */
  async reload(): Promise<void> {
    await this.loadHomes();
  }

  /** Raises the stages that are due; public for tests with fake timers. */
  tick(): void {
    const now = this.deps.now();
    const { daytime } = this.deps.rules;
    for (const e of this.elders.values()) {
      if (e.dirty) {
        e.dirty = false;
        const origin = e.lastActivity ?? e.heardSince;
        e.warnAt = origin === null ? Number.POSITIVE_INFINITY : afterDaytime(origin, e.warningMs, daytime);
        e.alarmAt = origin === null ? Number.POSITIVE_INFINITY : afterDaytime(origin, e.spanMs, daytime);
      }
      if (now >= e.alarmAt && e.stage < Stage.Alarm) this.raise(e, Stage.Alarm);
      else if (now >= e.warnAt && e.stage < Stage.Warning) this.raise(e, Stage.Warning);
    }
  }

  private onReading(r: Reading): void {
    if (r.elderId === null) return;
    const e = this.elders.get(r.elderId) ?? this.elder(r.elderId);
    if (e.heardSince === null) {
      e.heardSince = this.deps.now();
      e.dirty = true;
    }
    e.deviceId = r.deviceId;
    const d = r.data;
    if (d.steps !== undefined) {
      const more = e.steps >= 0 && d.steps > e.steps;
      e.steps = d.steps; // a smaller count is the daily reset, not movement
      if (more) this.recordActivity(e, r.ts, true);
    }
    if (d.accel !== undefined && !this.recentlyActive(e, r.ts)) {
      if (wristMoved(d.accel, this.deps.rules.movementStdG)) this.recordActivity(e, r.ts, true);
    }
    if (d.presence === true && d.posture !== undefined) {
      const code = postureCode[d.posture] ?? -1;
      if (code < 0) return;
      const changed = e.posture >= 0 && code !== e.posture;
      e.posture = code;
      if (code === standing || changed) this.recordActivity(e, r.ts, true);
    }
  }

  private onEvent(event: StoredEvent): void {
    // A door opened or closed: someone is up and about.
    if (event.measured?.contact === undefined || event.elderId === null) return;
    const e = this.elder(event.elderId);
    e.heardSince ??= this.deps.now();
    e.deviceId = event.deviceId;
    this.recordActivity(e, event.ts, true);
  }

  private recentlyActive(e: ElderActivity, ts: number): boolean {
    return (
      e.stage === Stage.None && e.lastActivity !== null && ts - e.lastActivity < this.deps.rules.resolutionMs
    );
  }

  /** Activity at `at` (device time); live activity also ends an open incident. */
  private recordActivity(e: ElderActivity, at: number, live: boolean): void {
    if (e.lastActivity === null || at > e.lastActivity) {
      e.lastActivity = at;
      e.dirty = true;
    }
    if (!live || e.stage === Stage.None) return;
    e.stage = Stage.None;
    this.ledger.clear(e.id, 'activity_seen');
  }

  private raise(e: ElderActivity, stage: Stage): void {
    if (e.deviceId === '') return;
    e.stage = stage;
    const alarm = stage === Stage.Alarm;
    this.ledger.raise(e.id, e.deviceId, alarm ? 'medium' : 'low', {
      stage: alarm ? 'alarm' : 'warning',
      inactive_since: e.lastActivity ?? e.heardSince,
      waking_span_ms: alarm ? e.spanMs : e.warningMs,
      waking_hours: `${this.deps.rules.daytime.startHour}:00-${this.deps.rules.daytime.endHour}:00`,
    });
  }

  /** A raise the store refused (taken back): the stage is again what the book holds, so the next tick raises. */
  private raiseFailed(elderId: string): void {
    const e = this.elders.get(elderId);
    if (e) e.stage = stageOf(this.ledger.severity(elderId));
  }

  private async reconcile(): Promise<void> {
    try {
      await this.ledger.reconcile((elderId) => {
        const e = this.elders.get(elderId);
        if (!e) return;
        // Closed at the console: the person was checked on; count afresh from now.
        e.stage = Stage.None;
        e.lastActivity = null;
        e.heardSince = this.deps.now();
        e.dirty = true;
      });
    } catch (error) {
      this.deps.logger.error({ err: error }, 'inactivity incidents not reconciled; retried');
    }
  }

  private loadHomes(): ElderEntry[] {
    const homes = this.deps.district.homes();
    for (const home of homes) {
      const e = this.elder(home.id);
      if (e.deviceId === '') e.deviceId = anyDevice(home) ?? '';
    }
    for (const e of this.elders.values()) this.settle(e);
    return homes;
  }

  /**
   * Applies the person's own spans (rules or settings may have changed). A stored span (minutes)
   * keeps the rules' proportion of warning to span: 8 h of 12 stays two thirds.
   */
  private settle(e: ElderActivity): void {
    const { rules, district } = this.deps;
    const own = rules.perElder[e.id];
    const storedMin = district.elder(e.id)?.settings.inactivity_span_min;
    if (storedMin !== undefined) {
      e.spanMs = storedMin * 60_000;
      e.warningMs = Math.round((e.spanMs * rules.warningMs) / rules.spanMs);
    } else {
      e.spanMs = own?.spanMs ?? rules.spanMs;
      e.warningMs = own?.warningMs ?? rules.warningMs;
    }
    e.dirty = true;
  }

  private elder(elderId: string): ElderActivity {
    let e = this.elders.get(elderId);
    if (e) return e;
    e = {
      id: elderId,
      spanMs: 0,
      warningMs: 0,
      lastActivity: null,
      heardSince: null,
      warnAt: Number.POSITIVE_INFINITY,
      alarmAt: Number.POSITIVE_INFINITY,
      dirty: true,
      stage: Stage.None,
      deviceId: '',
      steps: -1,
      posture: -1,
    };
    this.settle(e);
    this.elders.set(elderId, e);
    return e;
  }
}
