import { incidentKey } from '../alerts/alert-book.js';
import type { StoredEvent } from '../ingest/event-log.js';
import type { Reading } from '../ingest/readings.js';
import { RetryUntilDone } from '../kernel/retry-until-done.js';
import { defaultFallAlertRules, type FallAlertRules, type FallAlertsDeps } from './fall-alert-rules.js';
import { FallRadar, type RadarWatchedWindow } from './fall-radar.js';
import { earliest, fallTsOf, okPredates, pressedAt } from './fall-time.js';
import {
  addSource,
  type FallSource,
  type PendingFall,
  PendingFalls,
  sourceDetails,
} from './pending-falls.js';
import type { FallModelAlarm } from './pool/protocol.js';

export { defaultFallAlertRules, type FallAlertRules, type FallAlertsDeps } from './fall-alert-rules.js';
export type { FallSource } from './pending-falls.js';

/** A detection waiting out the wearer's cancel window, and the timer that ends it. */
interface OpenWindow extends PendingFall, RadarWatchedWindow {
  timer: NodeJS.Timeout;
}

interface ElderFalls {
  pending: OpenWindow | null;
  /**
   * The fall alert this stage raised and believes active: when the fall was first seen (the hub's
   * time, and `fallTs` the device's: `fall-time.ts`), and by what.
   */
  incident: { fallAt: number; fallTs: number | null; sources: FallSource[]; lyingRecorded: boolean } | null;
  /** Everything about one elder runs in order: an "I'm OK" never overtakes the raise it cancels. */
  queue: Promise<void>;
}

/**
 * Fall alerts from every source, one incident per elder (AlertBook keys it `fall:<elder>`).
 *
 * - A model alarm or the watch's own `fall` event tells the watch at once and opens a cancel
 *   window; "I'm OK" (`ok` from the watch) within it raises nothing; otherwise a critical `fall`
 *   alert. `ok` after the window cancels the raised alert (outcome `wearer_ok`), whatever its
 *   status: the wearer says they are fine, and the console shows the closing to whoever is on the way.
 *   An `ok` stamped before the fall (`fall_ts` in the details, the device time of its first detection)
 *   is ignored: a late or redelivered one from an earlier false alarm is not about this fall.
 * - A radar `fall` event raises at once (the radar has no button to cancel with); a pending
 *   window is cut short and its detections go into the alert.
 * - Further detections while a window is open are counted in it; while the alert is active they
 *   update it (AlertBook counts `repeats`); a second source is recorded in `corroborated_by`.
 * - Radar `fall_cleared` is recorded (`fall_cleared_at`); it does not close the alert: someone
 *   still has to check. Radar posture `lying` with presence for `lyingAfterMs` after the fall
 *   is recorded once per incident (`still_lying`, `lying_for_ms`): the alert is already critical,
 *   so this is what tells the console that the person has not got up.
 * - While a watch's window is open, the home's radar (`radar-postures.ts`) is consulted: lying
 *   for `lyingEscalateMs` from the detection raises the alert at once (`escalated_by: radar_lying`);
 *   upright and alone for `uprightCancelMs` before the window ends, never lying since the
 *   detection, and the fall is not raised: it is kept as a fall alert closed at once (outcome
 *   `radar_upright`, which sends nobody) and the watch is told. No radar, a stale one, or a window
 *   resumed after a restart: the window alone decides, as without the radar.
 *
 * Pending windows are stored (`pending-falls.ts`) before a watch's `fall` event counts as handled;
 * a hub that dies in the window resumes it at its next start, and raises at once a window that
 * ran out meanwhile. On `stop()` they are raised at once (better an alert the wearer did not need
 * than a fall that waits for the next start).
 * Device events come through `handleEvent` from EventAlerts, which marks each one handled only
 * after this stage has stored its effect, and replays unhandled ones after a crash.
 */
export class FallAlerts {
  private readonly rules: FallAlertRules;
  private readonly elders = new Map<string, ElderFalls>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly windows: PendingFalls;
  private readonly radar: FallRadar;
  /** Takeovers in order; a failed one is tried again until it succeeds. */
  private readonly takeOvers: RetryUntilDone;

  constructor(private readonly deps: FallAlertsDeps) {
    this.rules = { ...defaultFallAlertRules, ...deps.rules };
    this.windows = new PendingFalls({ db: deps.db });
    this.radar = new FallRadar({
      rules: this.rules,
      alerts: deps.alerts,
      now: deps.now,
      timerMs: (ms) => this.timerMs(ms),
      tell: (deviceId, text) => this.tell(deviceId, text),
    });
    this.takeOvers = new RetryUntilDone({
      onFailure: (error, retryInMs) =>
        deps.logger.error({ err: error, retryInMs }, 'falls of elders taken over not resumed; retried'),
    });
  }

  async start(): Promise<void> {
    this.takeOvers.start();
    await this.resume();
    this.unsubscribe.push(
      this.deps.alarms.subscribe((a) => this.onAlarm(a)),
      this.deps.readings.subscribe((r) => this.onReading(r)),
    );
  }

  /**
   * Partitions changed hands (cluster mode): the falls of elders given up are their new owner's (their
   * windows are in the store, where it resumes them); those of elders taken over are resumed here.
   * A resume the store fails is tried again (1 s, then twice as long each time up to 30 s) until it
   * succeeds: a fall left in its window by a process that died must still be raised. Resolves after
   * the first try.
   */
  async takeOver(): Promise<void> {
    await this.takeOvers.run(() => this.rebuild());
  }

  private async rebuild(): Promise<void> {
    for (const [elderId, state] of this.elders) {
      if (this.owns(elderId)) continue;
      if (state.pending) clearTimers(state.pending);
      this.elders.delete(elderId);
      this.radar.forget(elderId);
    }
    await this.resume();
  }

  /**
   * What the store holds for this process's elders and it does not track yet: fall alerts still active
   * (they take repeats, "I'm OK" and the lying rule), and windows open when their hub stopped or died
   * (resumed, or raised at once if they ran out).
   */
  private async resume(): Promise<void> {
    const at = this.deps.now();
    for (const [key, details] of await this.deps.alerts.activeDetails('fall:')) {
      const elderId = key.slice('fall:'.length);
      if (!this.owns(elderId) || this.elders.get(elderId)?.incident) continue;
      const fallTs = fallTsOf(details);
      this.elder(elderId).incident = { fallAt: at, fallTs, sources: [], lyingRecorded: false };
    }
    for (const { elderId, fall } of await this.windows.all()) {
      if (!this.owns(elderId) || this.elders.get(elderId)?.pending) continue;
      const leftMs = Math.max(0, fall.startedAt + this.windowMs(elderId) - at);
      this.elder(elderId).pending = {
        ...fall,
        timer: this.windowTimer(elderId, leftMs),
        resumed: true,
        lyingTimer: null,
      };
    }
  }

  private owns(elderId: string): boolean {
    return this.deps.owns?.(elderId) ?? true;
  }

  /** Stops listening; raises every alert still in its cancel window, and waits for the store. */
  async stop(): Promise<void> {
    await this.takeOvers.stop();
    for (const u of this.unsubscribe.splice(0)) u();
    await this.idle(); // a detection still queued may open a window yet
    for (const [elderId, state] of this.elders) {
      if (state.pending === null) continue;
      clearTimers(state.pending);
      // the radar's evidence goes with this process: never cancel on it now
      state.pending.resumed = true;
      state.pending.details.raised_at_hub_stop = true;
      this.enqueue(elderId, () => this.expire(elderId));
    }
    await this.idle();
  }

  /** How long this elder has to press "I'm OK" (their settings can change it between falls). */
  private windowMs(elderId: string): number {
    return this.deps.cancelWindowOf?.(elderId) ?? this.rules.cancelWindowMs;
  }

  /** Resolves once every queued alert operation has finished (tests, shutdown). */
  async idle(): Promise<void> {
    await this.takeOvers.idle();
    await Promise.all([...this.elders.values()].map((s) => s.queue));
  }

  private onAlarm(alarm: FallModelAlarm): void {
    if (alarm.elderId === null) {
      this.deps.logger.warn({ device: alarm.deviceId }, 'fall alarm from a watch that belongs to nobody');
      return;
    }
    const elderId = alarm.elderId;
    this.enqueue(elderId, () =>
      this.detected(elderId, alarm.deviceId, 'watch_model', alarm.peakMs, {
        score: round(alarm.score, 3),
        peak_g: round(alarm.peakG, 2),
        peak_ms: alarm.peakMs,
      }),
    );
  }

  /** The device events this stage answers; EventAlerts hands them over (live and on replay). */
  readonly eventTypes = ['fall', 'ok', 'fall_cleared'];

  /**
   * Handles one stored event; resolves once its effect is stored, so that the caller marks
   * the event handled only then (a crash in between replays it: at least once, never lost).
   */
  async handleEvent(event: StoredEvent): Promise<void> {
    // A failure rejects here, so the event stays unhandled and EventAlerts' sweep tries it again.
    await this.onEvent(event);
  }

  private async onEvent(event: StoredEvent): Promise<void> {
    const elderId = event.elderId;
    if (elderId === null) return;
    const confidence = event.data.confidence;
    // A device whose wearer can say "I'm OK" (its type sends `ok`) opens a cancel window; one
    // without a button (a radar) raises at once.
    const cancellable = this.deps.catalog.get(event.deviceType)?.events.ok !== undefined;
    switch (event.type) {
      case 'fall':
        if (!cancellable) {
          return this.enqueue(elderId, () =>
            this.radarFall(elderId, event.deviceId, event.ts, {
              radar_id: event.deviceId,
              radar_event_id: event.eventId,
              radar_confidence: confidence,
              radar_ts: event.ts,
            }),
          );
        }
        return this.enqueue(elderId, () =>
          this.detected(elderId, event.deviceId, 'watch_event', event.ts, {
            watch_event_id: event.eventId,
            watch_confidence: confidence,
          }),
        );
      case 'ok':
        return this.enqueue(elderId, () => this.wearerOk(elderId, event));
      case 'fall_cleared':
        return this.enqueue(elderId, () => this.fallCleared(elderId, event));
    }
  }

  /**
   * A room sensor's posture: while a watch's window is open, lying raises the fall sooner; after a
   * fall, lying with someone present for `lyingAfterMs` is recorded on the alert.
   */
  private onReading(reading: Reading): void {
    if (!this.radar.take(reading) || reading.elderId === null) return;
    const now = this.deps.now();
    const elderId = reading.elderId;
    const s = this.elders.get(elderId);
    if (s?.pending) this.watchLying(elderId, s.pending);
    const lyingSince = this.radar.lyingSince(elderId);
    const incident = s?.incident ?? null;
    if (lyingSince === null || incident === null || incident.lyingRecorded) return;
    // lying that began before the fall (in bed, then a fall out of it) counts from the fall
    if (now - Math.max(lyingSince, incident.fallAt) < this.rules.lyingAfterMs) return;
    incident.lyingRecorded = true;
    this.enqueue(elderId, async () => {
      if (!(await this.isActive(elderId))) {
        s!.incident = null; // closed meanwhile (a responder resolved it): lying in bed is not a fall
        return;
      }
      await this.raise(elderId, reading.deviceId, {
        still_lying: true,
        lying_since: lyingSince,
        lying_for_ms: now - lyingSince,
      });
    }).catch(() => {
      incident.lyingRecorded = false; // not recorded: the next reading tries again
    });
  }

  /** Raises the window's fall now if the radar still sees the person lying long enough. */
  private async escalate(elderId: string, p: OpenWindow): Promise<void> {
    if (this.elder(elderId).pending !== p) return; // ended meanwhile ("I'm OK", the radar's own fall, expiry)
    const lying = this.radar.escalation(elderId, p);
    if (lying !== null) await this.expire(elderId, lying);
  }

  private watchLying(elderId: string, p: OpenWindow): void {
    this.radar.watchLying(elderId, p, () => this.enqueue(elderId, () => this.escalate(elderId, p)));
  }

  /** A detection that the wearer may cancel (model alarm, the watch's own fall event). */
  private async detected(
    elderId: string,
    watchId: string,
    source: FallSource,
    fallTs: number,
    details: Record<string, unknown>,
  ): Promise<void> {
    const s = this.elder(elderId);
    if (s.pending) {
      s.pending.detections++;
      addSource(s.pending.sources, source);
      Object.assign(s.pending.details, details);
      s.pending.details.fall_ts = earliest(s.pending.details.fall_ts, fallTs);
      await this.windows.save(elderId, s.pending);
      return;
    }
    if (await this.addToIncident(elderId, watchId, source, details)) return;
    s.incident = null;
    const now = this.deps.now();
    const windowMs = this.windowMs(elderId);
    const seconds = Math.round(windowMs / 1000);
    const fall: PendingFall = {
      watchId,
      startedAt: now,
      sources: [source],
      detections: 1,
      details: { ...details, fall_ts: fallTs },
    };
    // Stored before anything else: from here a crash cannot lose the fall.
    await this.windows.save(elderId, fall);
    s.pending = { ...fall, timer: this.windowTimer(elderId, windowMs), resumed: false, lyingTimer: null };
    this.tell(watchId, `检测到跌倒，${seconds} 秒内按“我没事”可取消`);
    this.watchLying(elderId, s.pending); // already lying (a fall out of bed) counts from now
  }

  /**
   * The cancel window ended without "I'm OK" (or the radar saw the person lying, or the hub is
   * stopping): the alert goes out, unless the radar has seen the person up again (`FallRadar.letGo`).
   */
  private async expire(elderId: string, escalation?: Record<string, unknown>): Promise<void> {
    const s = this.elder(elderId);
    const p = s.pending;
    if (p === null) return;
    clearTimers(p);
    const windowMs = this.windowMs(elderId);
    const details = {
      ...p.details,
      ...sourceDetails(p.sources),
      detections: p.detections,
      detected_at: p.startedAt,
      cancel_window_ms: windowMs,
      ...escalation,
    };
    try {
      if (!escalation && (await this.radar.letGo(elderId, p, details))) {
        await this.windows.remove(elderId);
        s.pending = null;
        return;
      }
      if (await this.raiseWindow(elderId, p, details))
        this.tell(p.watchId, '已发出跌倒报警，正在通知服务人员');
    } catch (error) {
      // The window stays open with a timer: its fall is tried again, never left waiting for a restart.
      if (s.pending === p) p.timer = this.windowTimer(elderId, this.rules.raiseRetryMs);
      throw error;
    }
  }

  /** Raises an open window's fall and ends the window: the incident is this stage's from then on. */
  private async raiseWindow(
    elderId: string,
    p: OpenWindow,
    details: Record<string, unknown>,
  ): Promise<boolean> {
    const raised = await this.raise(elderId, p.watchId, details);
    // Only now: a crash before this raises it again at the next start (a repeat, never a loss).
    await this.windows.remove(elderId);
    const s = this.elder(elderId);
    s.pending = null;
    if (raised) {
      const fallTs = fallTsOf(details);
      s.incident = { fallAt: p.startedAt, fallTs, sources: [...p.sources], lyingRecorded: false };
    }
    return raised;
  }

  /**
   * A further detection while the fall alert this stage raised is still active: added to it (a repeat,
   * and its source in `corroborated_by`). False when there is none.
   */
  private async addToIncident(
    elderId: string,
    deviceId: string,
    source: FallSource,
    details: Record<string, unknown>,
  ): Promise<boolean> {
    const incident = this.elder(elderId).incident;
    if (!incident || !(await this.isActive(elderId))) return false;
    addSource(incident.sources, source);
    await this.raise(elderId, deviceId, { ...details, ...sourceDetails(incident.sources) });
    return true;
  }

  private async radarFall(
    elderId: string,
    radarId: string,
    fallTs: number,
    details: Record<string, unknown>,
  ): Promise<void> {
    const s = this.elder(elderId);
    const now = this.deps.now();
    const p = s.pending;
    if (p) {
      clearTimers(p);
      addSource(p.sources, 'radar');
      await this.raiseWindow(elderId, p, {
        ...p.details,
        ...details,
        ...sourceDetails(p.sources),
        detections: p.detections + 1,
        detected_at: p.startedAt,
        fall_ts: earliest(p.details.fall_ts, fallTs),
      });
      return;
    }
    if (await this.addToIncident(elderId, radarId, 'radar', details)) return;
    const raised = await this.raise(elderId, radarId, {
      ...details,
      ...sourceDetails(['radar']),
      detections: 1,
      detected_at: now,
      fall_ts: fallTs,
    });
    if (raised) s.incident = { fallAt: now, fallTs, sources: ['radar'], lyingRecorded: false };
  }

  private async wearerOk(elderId: string, event: StoredEvent): Promise<void> {
    const s = this.elder(elderId);
    if (s.pending) {
      if (okPredates(pressedAt(event), fallTsOf(s.pending.details))) return this.staleOk(elderId, event);
      clearTimers(s.pending);
      await this.windows.remove(elderId);
      // Health data stays out of logs above debug.
      this.deps.logger.debug(
        { elder: elderId, device: event.deviceId, afterMs: this.deps.now() - s.pending.startedAt },
        'fall cancelled by the wearer within the window',
      );
      s.pending = null;
      this.tell(event.deviceId, '已取消跌倒报警');
      return;
    }
    const key = incidentKey('fall', elderId);
    // Not tracked (not expected: resumed at start): the store says when the fall was.
    const fallTs = s.incident
      ? s.incident.fallTs
      : fallTsOf((await this.deps.alerts.activeDetails(key)).get(key) ?? {});
    if (okPredates(pressedAt(event), fallTs)) return this.staleOk(elderId, event);
    const cancelled = await this.deps.alerts.resolve(key, {
      status: 'cancelled',
      outcome: 'wearer_ok',
      actor: 'wearer',
      note: { code: 'wearer_ok', params: { device_id: event.deviceId } },
    });
    if (cancelled) {
      s.incident = null;
      this.tell(event.deviceId, '已取消跌倒报警');
    }
  }

  /** Handled, and nothing more: the fall stands. Health data stays out of logs above debug. */
  private staleOk(elderId: string, event: StoredEvent): void {
    this.deps.logger.debug(
      { elder: elderId, device: event.deviceId, okTs: pressedAt(event) },
      '"I\'m OK" pressed before the fall: it does not cancel it',
    );
  }

  private async fallCleared(elderId: string, event: StoredEvent): Promise<void> {
    const s = this.elder(elderId);
    if (s.pending) {
      s.pending.details.fall_cleared_at = event.ts;
      await this.windows.save(elderId, s.pending);
      return;
    }
    if (s.incident && (await this.isActive(elderId))) {
      await this.raise(elderId, event.deviceId, { fall_cleared_at: event.ts });
    }
  }

  private async raise(elderId: string, deviceId: string, details: Record<string, unknown>): Promise<boolean> {
    const result = await this.deps.alerts.raise({
      kind: 'fall',
      severity: 'critical',
      deviceId,
      details,
    });
    if (result === null) {
      // Which person fell is health data: the device names the fault for an operator, the person only at debug.
      this.deps.logger.warn({ device: deviceId }, 'no fall alert: the device has no elder');
      this.deps.logger.debug({ elder: elderId, device: deviceId }, 'no fall alert for this elder');
      return false;
    }
    return true;
  }

  private async isActive(elderId: string): Promise<boolean> {
    const key = incidentKey('fall', elderId);
    return (await this.deps.alerts.activeIncidents(key)).includes(key);
  }

  private windowTimer(elderId: string, ms: number): NodeJS.Timeout {
    return setTimeout(() => this.enqueue(elderId, () => this.expire(elderId)), this.timerMs(ms));
  }

  private timerMs(hubMs: number): number {
    return this.deps.timerMs?.(hubMs) ?? hubMs;
  }

  /** Tells the watch without waiting: a slow or offline watch never holds up the alert. */
  private tell(deviceId: string, text: string): void {
    Promise.resolve()
      .then(() => this.deps.notify(deviceId, text))
      .catch((error: unknown) =>
        this.deps.logger.warn({ err: error, device: deviceId }, 'could not notify the watch'),
      );
  }

  /**
   * Runs `work` after everything queued for this elder. The queue goes on past a failure (logged);
   * the returned promise carries it, for a caller that must not count the work done (a device event).
   * Callers that do not wait (alarms, timers, readings) leave it to the log.
   */
  private enqueue(elderId: string, work: () => Promise<void>): Promise<void> {
    const s = this.elder(elderId);
    const done = s.queue.then(work);
    s.queue = done.catch((error: unknown) => {
      // The fault at error, the person only at debug: health data stays out of logs above it.
      this.deps.logger.error({ err: error }, 'fall alert handling failed');
      this.deps.logger.debug({ elder: elderId }, 'fall alert handling failed for this elder');
    });
    return done;
  }

  private elder(elderId: string): ElderFalls {
    let s = this.elders.get(elderId);
    if (s === undefined) {
      s = { pending: null, incident: null, queue: Promise.resolve() };
      this.elders.set(elderId, s);
    }
    return s;
  }
}

function clearTimers(p: OpenWindow): void {
  clearTimeout(p.timer);
  if (p.lyingTimer) clearTimeout(p.lyingTimer);
  p.lyingTimer = null;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
