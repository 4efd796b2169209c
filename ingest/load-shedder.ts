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

/**
 * Sheds telemetry when the hub's event loop is saturated, so that events (never
 * shed) and alerts keep flowing and memory stays flat; recovers as load falls.
 * The shed share rises quickly under saturation and falls back slowly, and admission
 * is spread evenly (a counter, not randomness) so every device keeps some telemetry.
 */
export class LoadShedder {
  /** Share of telemetry dropped now (0 = none). */
  shedShare = 0;
  private credit = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      utilization: UtilizationSource;
      intervalMs: number;
      /** Above this utilization, shed more; below `calm`, shed less. */
      saturated: number;
      calm: number;
      /** Reports the shed share after each adjustment (a metrics gauge). */
      shareGauge?: (share: number) => void;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => this.adjust(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  adjust(): void {
    const busy = this.deps.utilization();
    if (busy >= this.deps.saturated) this.shedShare = Math.min(0.95, this.shedShare + 0.2);
    else if (busy <= this.deps.calm) this.shedShare = Math.max(0, this.shedShare - 0.05);
    if (this.shedShare < 0.01) this.shedShare = 0;
    this.deps.shareGauge?.(this.shedShare);
  }

  /** Whether to take this telemetry message. */
  admit(): boolean {
    if (this.shedShare === 0) return true;
    this.credit += 1 - this.shedShare;
    if (this.credit >= 1) {
      this.credit -= 1;
      return true;
    }
    return false;
  }
}
