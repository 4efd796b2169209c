/** What telemetry admission measured over one interval (~100 ms). */
export interface AdmissionInterval {
  ms: number;
  /** Telemetry messages that arrived (shed or not), were queued (admitted), and were handled. */
  arrived: number;
  admitted: number;
  handled: number;
  /** Messages queued and not yet handled at the interval's end. */
  backlog: number;
  /** Milliseconds of the event loop one message takes to handle (measured while draining). */
  costMs: number;
}

export interface KeepShareRules {
  /** Load never takes a device below this share of its telemetry: every watch keeps some of its stream. */
  floor: number;
  /** Past this much queued work, shed enough to work it off within a second… */
  shedAboveMs: number;
  /** …and under this much the loop has room: take more at once. */
  roomBelowMs: number;
  /** An operator's ceiling on telemetry handled a second, all devices together (0: none). */
  maxPerSecond: number;
}

/** Intervals in the window that rates are taken over (~1 s), and that a queue must stand for to count as a trend. */
const WINDOW = 10;
const STANDING = 4;
/** Intervals over which a queue beyond `roomBelowMs` is worked off (~3 s): faster starves the detectors. */
const WORK_OFF = 30;

/**
 * Decides which share of each device's telemetry the hub takes, from the queue of telemetry waiting to be
 * handled: the work queued says whether the loop keeps up, what it handled over the last second how much
 * it can take. When the queue keeps growing over `roomBelowMs`, or is past `shedAboveMs`, the
 * share is cut to what can be handled (handled ÷ arrived over the last second) less enough to work the
 * queue off within a few seconds, never by more than half at a time. When the queue is under
 * `roomBelowMs` and not growing (or nearly empty), the share rises by a quarter per interval: back to
 * everything a few hundred ms after the load falls. A queue that grew at once and is falling (reads piled
 * up behind a GC pause) changes nothing.
 */
export class KeepShare {
  /** Share of each device's telemetry taken now (1 = all). */
  keep = 1;
  private load = 1;
  private readonly recent: AdmissionInterval[] = [];

  constructor(private readonly rules: KeepShareRules) {}

  next(interval: AdmissionInterval): number {
    const { floor, shedAboveMs, roomBelowMs, maxPerSecond } = this.rules;
    this.recent.push(interval);
    if (this.recent.length > WINDOW) this.recent.shift();
    const queuedMs = interval.backlog * interval.costMs;
    // Over `roomBelowMs` for the last few intervals and still growing: a trend, not a backlog being carried
    // (a stall at the edge of capacity leaves one that stands; shedding it would cost data for nothing).
    const trend = this.recent.slice(-STANDING);
    const growing =
      trend.length === STANDING &&
      trend.every((r) => r.backlog * interval.costMs > roomBelowMs) &&
      interval.backlog > trend[0]!.backlog * 1.1;
    if (queuedMs > shedAboveMs || growing) {
      // Over the window: what was handled, less its share of working off the queue beyond `roomBelowMs`.
      const workOff = ((queuedMs - roomBelowMs) / interval.costMs) * (this.recent.length / WORK_OFF);
      const fits = (sum(this.recent, 'handled') - workOff) / Math.max(1, sum(this.recent, 'arrived'));
      this.load = Math.max(floor, this.load / 2, Math.min(this.load, fits));
    } else if (queuedMs <= roomBelowMs && (queuedMs <= roomBelowMs / 5 || !grewOver(this.recent))) {
      this.load = Math.min(1, this.load * 1.25 + 0.02);
    }
    const capped = maxPerSecond > 0 ? (maxPerSecond * interval.ms) / 1000 / Math.max(1, interval.arrived) : 1;
    this.keep = Math.min(this.load, capped);
    return this.keep;
  }
}

/** Whether the queue grew over the last interval. */
function grewOver(recent: AdmissionInterval[]): boolean {
  const [before, now] = recent.slice(-2);
  return before !== undefined && now !== undefined && now.backlog > before.backlog;
}

function sum(intervals: AdmissionInterval[], key: 'arrived' | 'handled'): number {
  let total = 0;
  for (const interval of intervals) total += interval[key];
  return total;
}
