import { IncidentLedger } from '../../alerts/incident-ledger.js';
import { measures } from '../../devices/catalog.js';
import type { StoredEvent } from '../../ingest/event-log.js';
import type { Reading } from '../../ingest/readings.js';
import { replayHeartRateMinutes } from './baseline-history.js';
import { type DetectorDeps, DetectorRun, severityRank } from './detector-deps.js';
import { HeartRateBaseline, madToSigma } from './heart-rate-baseline.js';
import { localDay } from './local-hours.js';
import { Streak } from './streak.js';
import { ruleSeverity, type VitalRule, VitalTrack } from './vital-track.js';
import type { VitalsRules } from './vitals-rules.js';

const minuteMs = 60_000;
const dayMs = 86_400_000;

interface ElderVitals {
  id: string;
  watchHeartRate: VitalTrack;
  radarHeartRate: VitalTrack;
  spo2: VitalTrack;
  breathing: VitalTrack;
  tracks: VitalTrack[];
  /** A worn watch measuring (almost) nothing. */
  noPulse: Streak;
  baseline: HeartRateBaseline;
  /** Hub time the radar last saw the person breathing, and how fast. */
  lastBreathingAt: number;
  breathingRate: number;
  radarId: string;
}

/**
 * Vital signs from any device that measures them — heart rate (worn on the body, and from a room
 * sensor, as two tracks), SpO2 and breathing rate — against
 * absolute limits, against the person's own heart-rate baseline, and a worn watch that finds
 * no pulse. One `vitals` incident per elder; severity grows with how far and how long; it
 * clears itself once every vital is back in range for `recoverMs`.
 *
 * A wearable (it measures `worn`) off the wrist (latest `worn` false, or an event saying so)
 * measures nothing: its readings are ignored (`not_worn` is device health's). A worn one reading
 * < 20 bpm for `noPulseMs` is "no pulse", critical — high instead while a room sensor sees the
 * person breathing. A room sensor (it measures `presence`) measures a person only while someone is in view.
 */
export class VitalsWatch {
  private readonly elders = new Map<string, ElderVitals>();
  /** Watches known to be on (true) or off (false) the wrist; absent: unknown. */
  private readonly worn = new Map<string, boolean>();
  private readonly ledger: IncidentLedger;
  private readonly run = new DetectorRun();
  /** Minutes from here on are counted live; earlier ones come from the rollups. */
  private liveFrom = 0;
  private replay: Promise<void> = Promise.resolve();

  constructor(private readonly deps: DetectorDeps<VitalsRules>) {
    this.ledger = new IncidentLedger({
      db: deps.db,
      alerts: deps.alerts,
      kind: 'vitals',
      logger: deps.logger,
      raiseFailed: (elderId) => this.raiseFailed(elderId),
    });
  }

  async start(): Promise<void> {
    const { rules, now } = this.deps;
    this.liveFrom = Math.floor(now() / minuteMs) * minuteMs;
    await this.ledger.load();
    await this.loadWorn();
    const homes = this.deps.district.homes();
    this.run.begin(this.deps, {
      reading: (r) => this.onReading(r),
      event: (e) => this.onEvent(e),
      tick: () => this.tick(),
      reconcile: () => this.reconcile(),
    });
    // The baselines fill in behind the live path: limits and "no pulse" work from the first reading.
    const today = localDay(this.liveFrom, rules.utcOffsetMinutes);
    const from = (today - rules.baseline.days) * dayMs - rules.utcOffsetMinutes * minuteMs;
    this.replay = replayHeartRateMinutes(
      this.deps.db,
      homes.map((h) => h.id),
      {
        from,
        to: this.liveFrom,
        utcOffsetMinutes: rules.utcOffsetMinutes,
        sampleEveryMinutes: rules.baseline.replayEveryMinutes,
      },
      (elderId, day, bpm, n) => this.elder(elderId).baseline.add(day, bpm, n),
    ).catch((error: unknown) =>
      this.deps.logger.error({ err: error }, 'heart-rate baselines not rebuilt; they restart empty'),
    );
  }

  async stop(): Promise<void> {
    this.run.end();
    await this.idle();
  }

  /** Resolves once the baseline replay and every queued alert operation have finished. */
  async idle(): Promise<void> {
    await this.replay;
    await this.ledger.idle();
  }

  /**
   * After district changes: forgets elders who no longer have devices (memory stays bounded) and
   * applies each one's limits as now set; the next reading is judged by them.
   */
  async reload(): Promise<void> {
    for (const [elderId, e] of this.elders) {
      const home = this.deps.district.elder(elderId);
      if (!home?.devices.length && !this.ledger.isOpen(elderId)) this.elders.delete(elderId);
      else this.applyLimits(e);
    }
  }

  /** The elder's own limits (their settings, else the unit's: registry/care-settings.ts) over the rules'. */
  private applyLimits(e: ElderVitals): void {
    const { heartRate, spo2 } = this.deps.rules;
    const own = this.deps.district.elder(e.id)?.settings ?? {};
    let low = own.heart_rate_low ?? heartRate.low;
    let high = own.heart_rate_high ?? heartRate.high;
    // The API refuses this, but a unit's new default can meet an elder's own value: every rate
    // would be out of range. The rules' limits watch the person until someone sets it right.
    if (low >= high) {
      this.deps.logger.warn({ elder: e.id, low, high }, 'heart-rate limits cross; the default limits apply');
      low = heartRate.low;
      high = heartRate.high;
    }
    // A limit set beyond the rules' extreme one moves it along: the extreme is never inside the limits.
    const heart = {
      low,
      high,
      extremeLow: Math.min(heartRate.extremeLow, low),
      extremeHigh: Math.max(heartRate.extremeHigh, high),
    };
    e.watchHeartRate.limits = heart;
    e.radarHeartRate.limits = heart;
    const spo2Low = own.spo2_low ?? spo2.low;
    e.spo2.limits = { ...spo2, low: spo2Low, extremeLow: Math.min(spo2.extremeLow, spo2Low) };
  }

  /** Clears the incidents whose vitals are back in range; public for tests with fake timers. */
  tick(): void {
    const now = this.deps.now();
    for (const elderId of this.ledger.elders()) {
      const e = this.elders.get(elderId);
      if (e && this.recovered(e, now)) {
        this.ledger.clear(elderId, 'vitals_normal');
        for (const t of e.tracks) t.endIncident();
      }
    }
  }

  /** Heart rate of one elder's baseline as the console could show it (null until usable). */
  baselineOf(elderId: string): { median: number; mad: number } | null {
    const e = this.elders.get(elderId);
    if (!e) return null;
    const today = localDay(this.deps.now(), this.deps.rules.utcOffsetMinutes);
    const median = e.baseline.median(today);
    return Number.isNaN(median) ? null : { median, mad: e.baseline.mad(today) };
  }

  private onReading(r: Reading): void {
    if (r.elderId === null) return;
    const d = r.data;
    const type = this.deps.catalog.get(r.deviceType);
    if (measures(type, 'worn')) {
      if (d.heart_rate === undefined && d.spo2 === undefined && d.worn === undefined) return;
      const e = this.elder(r.elderId);
      if (d.worn !== undefined) this.setWorn(e, r.deviceId, d.worn);
      const worn = this.worn.get(r.deviceId);
      if (worn === false) return;
      if (d.heart_rate !== undefined) this.watchHeartRate(e, r, d.heart_rate, worn);
      if (d.spo2 !== undefined) this.observe(e, e.spo2, r, d.spo2, Number.NaN);
    } else {
      // Without a person in view a room sensor's vital signs are noise; 0 means "not measured".
      if (measures(type, 'presence') && d.presence !== true) return;
      if (d.heart_rate === undefined && d.breathing_rate === undefined && d.spo2 === undefined) return;
      const e = this.elder(r.elderId);
      if (d.breathing_rate !== undefined && d.breathing_rate > 0) {
        e.lastBreathingAt = r.receivedAt;
        e.breathingRate = d.breathing_rate;
        e.radarId = r.deviceId;
        this.observe(e, e.breathing, r, d.breathing_rate, Number.NaN);
      }
      if (d.heart_rate !== undefined && d.heart_rate >= this.deps.rules.noPulseBelow) {
        this.heartRate(e, e.radarHeartRate, r, d.heart_rate);
      }
      if (d.spo2 !== undefined) this.observe(e, e.spo2, r, d.spo2, Number.NaN);
    }
  }

  private onEvent(event: StoredEvent): void {
    const worn = event.measured?.worn; // taken off or put on
    if (worn === undefined || event.elderId === null) return;
    this.setWorn(this.elder(event.elderId), event.deviceId, worn);
  }

  private setWorn(e: ElderVitals, watchId: string, worn: boolean): void {
    if (this.worn.get(watchId) === worn) return;
    this.worn.set(watchId, worn);
    if (worn) return;
    // Off the wrist: what it measured before does not continue into what it measures when worn again.
    e.noPulse.reset();
    for (const t of [e.watchHeartRate, e.spo2]) {
      t.resetStreaks();
      t.abnormal = false;
    }
  }

  private watchHeartRate(e: ElderVitals, r: Reading, bpm: number, worn: boolean | undefined): void {
    const { rules } = this.deps;
    const track = e.watchHeartRate;
    if (bpm >= rules.noPulseBelow) {
      e.noPulse.reset();
      this.heartRate(e, track, r, bpm);
      return;
    }
    // Near zero from a watch not known to be worn is a sensor that sees no skin, not a heart.
    if (worn !== true) return;
    track.deviceId = r.deviceId;
    e.noPulse.add(r.ts, bpm, rules.maxGapMs);
    track.mark(true, r.receivedAt);
    if (!e.noPulse.lasted(rules.noPulseMs, rules.minReadings)) return;
    const breathing = e.lastBreathingAt >= r.receivedAt - rules.noPulseMs;
    this.consider(e, track, breathing ? 'no_pulse_breathing' : 'no_pulse', e.noPulse);
  }

  private heartRate(e: ElderVitals, track: VitalTrack, r: Reading, bpm: number): void {
    const { rules } = this.deps;
    this.countMinute(e, track, r.ts, bpm);
    const today = localDay(r.ts, rules.utcOffsetMinutes);
    const median = e.baseline.median(today);
    const allowed = Math.max(
      rules.baseline.minBpm,
      rules.baseline.madFactor * madToSigma * e.baseline.mad(today),
    );
    this.observe(e, track, r, bpm, Math.abs(bpm - median) - allowed);
  }

  private observe(e: ElderVitals, track: VitalTrack, r: Reading, value: number, deviation: number): void {
    track.deviceId = r.deviceId;
    const broken = track.observe(r.ts, r.receivedAt, value, deviation, this.deps.rules);
    if (broken !== null) this.consider(e, track, broken.rule, broken.streak);
  }

  /** Raises (or raises the severity of) the elder's incident when the track broke a worse rule. */
  private consider(e: ElderVitals, track: VitalTrack, rule: VitalRule, streak: Streak): void {
    const severity = ruleSeverity[rule];
    if (severityRank[severity] <= track.raisedRank) return;
    track.raisedRank = severityRank[severity];
    track.alerted = true;
    const evidence: Record<string, unknown> = {
      rule,
      device_id: track.deviceId,
      ...streak.describe(),
    };
    if (rule === 'baseline') {
      const today = localDay(streak.last, this.deps.rules.utcOffsetMinutes);
      evidence.baseline_median = e.baseline.median(today);
      evidence.baseline_mad = e.baseline.mad(today);
    } else if (!rule.startsWith('no_pulse')) {
      evidence.limits = track.limits;
    }
    const details: Record<string, unknown> = {
      metric: track.metric,
      source: track.source,
      rule,
      device_id: track.deviceId,
      [track.name]: evidence,
    };
    if (rule === 'no_pulse' || rule === 'no_pulse_breathing') {
      details.radar_saw_breathing = rule === 'no_pulse_breathing';
      if (rule === 'no_pulse_breathing') {
        details.radar_id = e.radarId;
        details.breathing_rate = e.breathingRate;
      }
    }
    this.ledger.raise(e.id, track.deviceId, severity, details);
  }

  /** Every vital is in range, those that raised for `recoverMs` at least. */
  private recovered(e: ElderVitals, now: number): boolean {
    const { recoverMs } = this.deps.rules;
    let recovered = false;
    for (const t of e.tracks) {
      if (t.abnormal) return false;
      if (t.recovered(now, recoverMs)) recovered = true;
      else if (t.alerted) return false;
    }
    return recovered;
  }

  /** Sums the heart rate per minute; a finished minute goes into today's histogram. */
  private countMinute(e: ElderVitals, track: VitalTrack, ts: number, bpm: number): void {
    const minute = Math.floor(ts / minuteMs);
    if (minute < track.minute) return; // late: the histogram has moved on
    if (minute > track.minute) {
      if (track.minuteCount > 0 && track.minute * minuteMs >= this.liveFrom) {
        const day = localDay(track.minute * minuteMs, this.deps.rules.utcOffsetMinutes);
        e.baseline.add(day, track.minuteSum / track.minuteCount);
      }
      track.minute = minute;
      track.minuteSum = 0;
      track.minuteCount = 0;
    }
    track.minuteSum += bpm;
    track.minuteCount++;
  }

  /** A raise the store refused (taken back): a track above what the book holds raises again at its next reading. */
  private raiseFailed(elderId: string): void {
    const e = this.elders.get(elderId);
    if (!e) return;
    const severity = this.ledger.severity(elderId);
    for (const t of e.tracks) {
      if (severity === undefined) t.endIncident();
      else t.raisedRank = Math.min(t.raisedRank, severityRank[severity]);
    }
  }

  private async reconcile(): Promise<void> {
    try {
      await this.ledger.reconcile((elderId) => {
        const e = this.elders.get(elderId);
        if (!e) return;
        e.noPulse.reset();
        for (const t of e.tracks) {
          t.endIncident();
          t.resetStreaks();
        }
      });
    } catch (error) {
      this.deps.logger.error({ err: error }, 'vitals incidents not reconciled; retried');
    }
  }

  private async loadWorn(): Promise<void> {
    const rows = await this.deps.db
      .selectFrom('device_health as h')
      .innerJoin('devices as d', 'd.id', 'h.device_id')
      .select(['h.device_id', 'h.worn'])
      .where('d.revoked_at', 'is', null)
      .where('h.worn', 'is not', null)
      .execute();
    for (const row of rows) this.worn.set(row.device_id, row.worn === 1);
  }

  private elder(elderId: string): ElderVitals {
    let e = this.elders.get(elderId);
    if (e) return e;
    const { rules } = this.deps;
    const watchHeartRate = new VitalTrack('heart_rate', 'watch', rules.heartRate);
    const radarHeartRate = new VitalTrack('heart_rate', 'radar', rules.heartRate);
    const spo2 = new VitalTrack('spo2', 'watch', rules.spo2);
    const breathing = new VitalTrack('breathing_rate', 'radar', rules.breathingRate);
    const tracks = [watchHeartRate, radarHeartRate, spo2, breathing];
    // An incident still open from before a restart is not raised again at the same severity.
    const open = this.ledger.severity(elderId);
    if (open) for (const t of tracks) t.raisedRank = severityRank[open];
    e = {
      id: elderId,
      watchHeartRate,
      radarHeartRate,
      spo2,
      breathing,
      tracks,
      noPulse: new Streak(),
      baseline: new HeartRateBaseline(rules.baseline.days, rules.baseline.minMinutes),
      lastBreathingAt: Number.NEGATIVE_INFINITY,
      breathingRate: 0,
      radarId: '',
    };
    this.applyLimits(e);
    this.elders.set(elderId, e);
    return e;
  }
}
