/** Heart rates outside [lowestBpm, lowestBpm + bins) are not part of anyone's normal. */
const lowestBpm = 20;
const bins = 200;
/** 1.4826 × MAD estimates the standard deviation of normally distributed values. */
export const madToSigma = 1.4826;

/**
 * One person's heart rate over recent local days: a ring of per-day histograms with 1-bpm bins
 * (Uint16 counts of minute means; 1440 minutes × a watch and a radar fit), about 400 bytes a day.
 * The baseline (median and MAD) comes from completed days only, so today's episode does not
 * move the yardstick it is measured against; it is recomputed once a day, not per reading.
 */
export class HeartRateBaseline {
  private readonly counts: Uint16Array;
  /** The local day each slot holds, -1 when empty. */
  private readonly slotDay: Int32Array;
  private computedFor = -1;
  private medianBpm = Number.NaN;
  private madBpm = Number.NaN;

  constructor(
    private readonly days: number,
    private readonly minSamples: number,
  ) {
    this.counts = new Uint16Array((days + 1) * bins);
    this.slotDay = new Int32Array(days + 1).fill(-1);
  }

  /** Counts `n` minutes with mean heart rate `bpm` on local day `day`. */
  add(day: number, bpm: number, n = 1): void {
    const bin = Math.round(bpm) - lowestBpm;
    if (bin < 0 || bin >= bins) return;
    const slot = day % this.slotDay.length;
    const held = this.slotDay[slot]!;
    if (held !== day) {
      if (held > day) return; // older than the ring
      this.counts.fill(0, slot * bins, (slot + 1) * bins);
      this.slotDay[slot] = day;
    }
    const i = slot * bins + bin;
    this.counts[i] = Math.min(65_535, this.counts[i]! + n);
    if (day < this.computedFor) this.computedFor = -1; // a past day changed: recompute
  }

  /** Forces a recomputation at the next `median()` (e.g. after the history was rebuilt). */
  invalidate(): void {
    this.computedFor = -1;
  }

  /** Median heart rate of the completed days before `today`, NaN while there is too little data. */
  median(today: number): number {
    if (this.computedFor !== today) this.compute(today);
    return this.medianBpm;
  }

  /** Median absolute deviation (bpm) matching `median(today)`. */
  mad(today: number): number {
    if (this.computedFor !== today) this.compute(today);
    return this.madBpm;
  }

  private compute(today: number): void {
    this.computedFor = today;
    this.medianBpm = Number.NaN;
    this.madBpm = Number.NaN;
    let total = 0;
    for (let s = 0; s < this.slotDay.length; s++) total += this.dayTotal(s, today);
    if (total === 0 || total < this.minSamples) return;
    const half = total / 2;
    let seen = 0;
    let median = 0;
    for (let b = 0; b < bins; b++) {
      seen += this.binTotal(b, today);
      if (seen >= half) {
        median = b;
        break;
      }
    }
    // Widen a window around the median until it holds half of the values: its radius is the MAD.
    seen = this.binTotal(median, today);
    let radius = 0;
    while (seen < half && radius < bins) {
      radius++;
      if (median - radius >= 0) seen += this.binTotal(median - radius, today);
      if (median + radius < bins) seen += this.binTotal(median + radius, today);
    }
    this.medianBpm = median + lowestBpm;
    this.madBpm = radius;
  }

  private inBaseline(slot: number, today: number): boolean {
    const day = this.slotDay[slot]!;
    return day >= 0 && day < today && day >= today - this.days;
  }

  private dayTotal(slot: number, today: number): number {
    if (!this.inBaseline(slot, today)) return 0;
    let total = 0;
    for (let b = slot * bins; b < (slot + 1) * bins; b++) total += this.counts[b]!;
    return total;
  }

  private binTotal(bin: number, today: number): number {
    let total = 0;
    for (let s = 0; s < this.slotDay.length; s++) {
      if (this.inBaseline(s, today)) total += this.counts[s * bins + bin]!;
    }
    return total;
  }
}
