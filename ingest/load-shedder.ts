import { performance } from 'node:perf_hooks';

/** Share of time the event loop was busy over the last interval (0–1). */
export type UtilizationSource = () => number;

export function eventLoopUtilization(): UtilizationSource {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(now, last);
    last = now;
    return delta.utilization;
  };
}

/** Never keep less than this share: every device keeps some telemetry under any load. */
const MIN_KEPT = 0.05;
/** Back to taking everything within ~2.5 s of calm (0.1 per 250 ms interval). */
const RECOVERY_STEP = 0.1;
/** Messages admitted between two looks at the clock for a starved timer (cheap enough for the hot path). */
const STARVE_CHECK_EVERY = 64;

/**
 * Sheds telemetry when the hub's event loop is saturated, so that events (never
 * shed) and alerts keep flowing and memory stays flat; recovers as load falls.
 *
 * The decision looks at the busy share averaged over `smoothingIntervals` (≈1 s), not at a
 * single interval: a GC pause or the burst of reads behind it fills one 250 ms interval
 * while the core is barely half used, and shedding on that ratcheted the share up at ~55 %
 * CPU. It cuts the kept share in half while both the average and the latest interval are
 * saturated (fast, and it stops cutting as soon as the cut shows), raises it linearly while
 * the average is calm, and holds in between. Admission is spread evenly (a counter, not
 * randomness) so every device keeps some telemetry.
 *
 * A flood of reads starves timers: with every socket's buffer full, one turn of the event loop
 * reads a thousand sockets before timers run, and at 2× the sustainable rate the interval timer
 * fired only every 3–6 s (measured), so the shedder saw the overload ~20 s late while PUBACKs
 * waited 1–3 s. So `admit` also looks at the clock: when the last adjustment is more than
 * `starvedMs` overdue, the hub is behind whatever the busy share says, and it cuts at once.
 */
export class LoadShedder {
  /** Share of telemetry dropped now (0 = none). */
  shedShare = 0;
  private credit = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly recent: number[] = [];
  private lastAdjustAt: number;
  private admitted = 0;

  constructor(
    private readonly deps: {
      utilization: UtilizationSource;
      intervalMs: number;
      /** How many intervals the busy share is averaged over. */
      smoothingIntervals: number;
      /** At or above this average utilization, shed more; at or below `calm`, shed less. */
      saturated: number;
      calm: number;
      /** An adjustment this much overdue means the event loop is behind: shed more at once. */
      starvedMs: number;
      /** Milliseconds, monotonic (performance.now). */
      clock: () => number;
      /** Reports the shed share after each adjustment (a metrics gauge). */
      shareGauge?: (share: number) => void;
    },
  ) {
    this.lastAdjustAt = deps.clock();
  }

  start(): void {
    this.timer = setInterval(() => this.adjust(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  adjust(): void {
    const at = this.deps.clock();
    const starved = at - this.lastAdjustAt - this.deps.intervalMs >= this.deps.starvedMs;
    this.lastAdjustAt = at;
    const latest = this.deps.utilization();
    this.recent.push(latest);
    if (this.recent.length > this.deps.smoothingIntervals) this.recent.shift();
    const average = this.recent.reduce((sum, busy) => sum + busy, 0) / this.recent.length;
    let kept = 1 - this.shedShare;
    const saturated = average >= this.deps.saturated && latest >= this.deps.saturated;
    if (starved || saturated) kept = Math.max(MIN_KEPT, kept / 2);
    else if (average <= this.deps.calm) kept = Math.min(1, kept + RECOVERY_STEP);
    this.shedShare = kept > 0.99 ? 0 : 1 - kept;
    this.deps.shareGauge?.(this.shedShare);
  }

  /** Whether to take this telemetry message. */
  admit(): boolean {
    if (++this.admitted % STARVE_CHECK_EVERY === 0) {
      if (this.deps.clock() - this.lastAdjustAt - this.deps.intervalMs >= this.deps.starvedMs) this.adjust();
    }
    if (this.shedShare === 0) return true;
    this.credit += 1 - this.shedShare;
    if (this.credit >= 1) {
      this.credit -= 1;
      return true;
    }
    return false;
  }
}
