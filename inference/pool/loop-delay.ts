import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

export interface LoopDelayFigures {
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * The event-loop delay of the thread that creates it (the hub's main thread), in ms. Node 20's
 * histogram records the whole interval between runs of its timer, so the resolution is taken
 * off: what is left is how late the loop was.
 */
export class EventLoopDelay {
  private readonly histogram: IntervalHistogram;

  constructor(private readonly resolutionMs = 5) {
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  }

  start(): void {
    this.histogram.enable();
  }

  stop(): void {
    this.histogram.disable();
  }

  reset(): void {
    this.histogram.reset();
  }

  figures(): LoopDelayFigures {
    const h = this.histogram;
    const ms = (ns: number) => Math.max(0, Math.round(ns / 1e4 - this.resolutionMs * 100) / 100);
    return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), mean: ms(h.mean) };
  }
}
