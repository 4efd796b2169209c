import type { Severity } from '../../alerts/alert-book.js';
import { Streak } from './streak.js';
import type { VitalLimits, VitalsRules } from './vitals-rules.js';

export type VitalMetric = 'heart_rate' | 'spo2' | 'breathing_rate';
/**
 * Where a vital sign was measured: on the body (`watch`: any device that measures `worn`) or from
 * the room (`radar`: a contactless sensor). The names stay as the alert details' keys read them.
 */
export type VitalSource = 'watch' | 'radar';

/** Which rule an episode broke, most severe first. */
export type VitalRule = 'no_pulse' | 'extreme' | 'limits_long' | 'no_pulse_breathing' | 'limits' | 'baseline';

export const ruleSeverity: Record<VitalRule, Severity> = {
  no_pulse: 'critical',
  extreme: 'critical',
  limits_long: 'critical',
  no_pulse_breathing: 'high',
  limits: 'high',
  baseline: 'medium',
};

/**
 * One vital sign from one kind of device of one elder (say, the watch's heart rate): the
 * streaks of readings that break its rules and whether it is back to normal. A reading updates
 * numbers and allocates nothing, except the first reading ever to break a rule, which creates that
 * rule's streak: most tracks never break one, and every object a device holds is one more for each
 * major GC to mark (a heap snapshot of 10,000 watches streaming: 2.68 M objects with the four
 * tracks' twelve streaks made up front, 2.52 M without them).
 */
export class VitalTrack {
  /** Beyond the limits, beyond the extreme limits, away from the person's own baseline (heart rate only). */
  private beyond: Streak | null = null;
  private extreme: Streak | null = null;
  private deviation: Streak | null = null;
  /** Latest reading broke a rule (blocks clearing). */
  abnormal = false;
  /** Hub time of the first normal reading after the latest abnormal one; null while abnormal or unheard. */
  normalSince: number | null = null;
  deviceId = '';
  /** Most severe severity already raised for this track in the open incident (0: none). */
  raisedRank = 0;
  /** This track raised in the open incident: it must recover before the incident clears. */
  alerted = false;
  /** The minute being summed for the baseline (heart rate only). */
  minute = -1;
  minuteSum = 0;
  minuteCount = 0;

  constructor(
    readonly metric: VitalMetric,
    readonly source: VitalSource,
    /** The elder's limits; replaced when their settings change. */
    public limits: VitalLimits,
  ) {}

  /** The key of this track's evidence in the alert details, e.g. `watch_heart_rate`. */
  get name(): string {
    return `${this.source}_${this.metric}`;
  }

  /**
   * Adds a reading; `deviationBpm` is NaN without a usable baseline, else |value − median| − allowed.
   * Returns the most severe rule the track now breaks and the streak that breaks it, or null.
   */
  observe(
    ts: number,
    receivedAt: number,
    value: number,
    deviationBpm: number,
    rules: VitalsRules,
  ): { rule: VitalRule; streak: Streak } | null {
    const { low, high, extremeLow, extremeHigh } = this.limits;
    const beyond = value < low || value > high;
    const deviating = deviationBpm > 0;
    const gap = rules.maxGapMs;
    this.beyond = extend(this.beyond, beyond, ts, value, gap);
    this.extreme = extend(this.extreme, value < extremeLow || value > extremeHigh, ts, value, gap);
    this.deviation = extend(this.deviation, deviating, ts, value, gap);
    this.mark(beyond || deviating, receivedAt);
    if (!this.abnormal) return null;
    const n = rules.minReadings;
    const { extreme, beyond: limits, deviation } = this;
    if (extreme?.lasted(rules.sustainedMs, n)) return { rule: 'extreme', streak: extreme };
    if (limits?.lasted(rules.longMs, n)) return { rule: 'limits_long', streak: limits };
    if (limits?.lasted(rules.sustainedMs, n)) return { rule: 'limits', streak: limits };
    if (deviation?.lasted(rules.baseline.sustainedMs, n)) return { rule: 'baseline', streak: deviation };
    return null;
  }

  /** Records whether the latest reading was abnormal. */
  mark(abnormal: boolean, receivedAt: number): void {
    this.abnormal = abnormal;
    if (abnormal) this.normalSince = null;
    else this.normalSince ??= receivedAt;
  }

  /** Whether the track has been normal for `recoverMs` (false if it never had a normal reading). */
  recovered(now: number, recoverMs: number): boolean {
    return !this.abnormal && this.normalSince !== null && now - this.normalSince >= recoverMs;
  }

  /** Forgets the streaks (the watch came off the wrist: what it measured before is not continued). */
  resetStreaks(): void {
    this.beyond?.reset();
    this.extreme?.reset();
    this.deviation?.reset();
  }

  /** The incident is over (or was closed elsewhere): a new episode starts from nothing. */
  endIncident(): void {
    this.raisedRank = 0;
    this.alerted = false;
  }
}

/** A breaking reading extends the streak (created at the first one), a normal one ends it. */
function extend(
  streak: Streak | null,
  breaks: boolean,
  ts: number,
  value: number,
  maxGapMs: number,
): Streak | null {
  if (!breaks) {
    streak?.reset();
    return streak;
  }
  const s = streak ?? new Streak();
  s.add(ts, value, maxGapMs);
  return s;
}
