/** Out of range below `low` or above `high`; extreme below `extremeLow` or above `extremeHigh`. */
export interface VitalLimits {
  low: number;
  high: number;
  extremeLow: number;
  extremeHigh: number;
}

export interface VitalsRules {
  heartRate: VitalLimits;
  spo2: VitalLimits;
  breathingRate: VitalLimits;
  /** A limit must be broken this long, by every reading, to raise (`high`; extreme: `critical`). */
  sustainedMs: number;
  /** Beyond the limits this long: `critical` whatever the value. */
  longMs: number;
  /** Fewest readings that make a streak: one odd sample is never an alert. */
  minReadings: number;
  /** Readings further apart than this do not make one streak (vitals come every few minutes at worst). */
  maxGapMs: number;
  /** A worn watch measuring less than this is not a heart rate: no pulse, or a loose strap. */
  noPulseBelow: number;
  noPulseMs: number;
  /** The alert clears after the values are back in range this long. */
  recoverMs: number;
  baseline: {
    /** Completed local days the per-person baseline looks back over. */
    days: number;
    /** Minute means needed (from at least one completed day) before the baseline is used. */
    minMinutes: number;
    /** Deviation that counts: more than max(minBpm, madFactor × 1.4826 × MAD) from the median. */
    minBpm: number;
    madFactor: number;
    sustainedMs: number;
    /** At start the baseline is rebuilt from the rollups reading one minute in this many (bounded). */
    replayEveryMinutes: number;
  };
  utcOffsetMinutes: number;
  tickMs: number;
  /** How often the open incidents are compared with the alert book (closed at the console). */
  reconcileMs: number;
}

export const defaultVitalsRules: VitalsRules = {
  heartRate: { low: 40, high: 130, extremeLow: 30, extremeHigh: 150 },
  // SpO2 has no upper limit: 100 % is fine.
  spo2: { low: 90, high: 100, extremeLow: 85, extremeHigh: 100 },
  // Bradypnoea and tachypnoea as early-warning scores use them (NEWS2 scores ≤ 8 and ≥ 25 highest).
  breathingRate: { low: 8, high: 30, extremeLow: 5, extremeHigh: 40 },
  sustainedMs: 2 * 60_000,
  longMs: 10 * 60_000,
  minReadings: 3,
  maxGapMs: 10 * 60_000,
  noPulseBelow: 20,
  noPulseMs: 30_000,
  recoverMs: 5 * 60_000,
  baseline: {
    days: 7,
    minMinutes: 60,
    minBpm: 25,
    madFactor: 5,
    sustainedMs: 10 * 60_000,
    replayEveryMinutes: 5,
  },
  utcOffsetMinutes: 8 * 60,
  tickMs: 1000,
  reconcileMs: 60_000,
};
