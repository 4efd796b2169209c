/**
 * Consecutive readings that break one rule: since when, how many, which values.
 * Evidence, not wall time: a rule holds "for 2 minutes" when its first and latest
 * breaking readings are 2 minutes apart. Fixed fields, so a reading allocates nothing.
 */
export class Streak {
  start = 0;
  last = 0;
  count = 0;
  min = 0;
  max = 0;

  /** Adds a breaking reading; a gap longer than `maxGapMs` starts a new streak (stale evidence). */
  add(ts: number, value: number, maxGapMs: number): void {
    if (this.count > 0 && ts - this.last > maxGapMs) this.count = 0;
    if (this.count === 0) {
      this.start = ts;
      this.min = value;
      this.max = value;
    } else {
      if (value < this.min) this.min = value;
      if (value > this.max) this.max = value;
    }
    if (ts > this.last || this.count === 0) this.last = ts;
    this.count++;
  }

  reset(): void {
    this.count = 0;
  }

  /** Whether the streak spans at least `ms` with at least `minReadings` readings. */
  lasted(ms: number, minReadings: number): boolean {
    return this.count >= minReadings && this.last - this.start >= ms;
  }

  get spanMs(): number {
    return this.count === 0 ? 0 : this.last - this.start;
  }

  /** The evidence as alert details. */
  describe(): { min: number; max: number; for_ms: number; since: number; readings: number } {
    return { min: this.min, max: this.max, for_ms: this.spanMs, since: this.start, readings: this.count };
  }
}
