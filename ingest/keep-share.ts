/** What telemetry admission measured over one interval (~100 ms). */
export interface AdmissionInterval {
  ms: number;
  /** Telemetry messages that arrived (shed or not), were queued (admitted), and were handled. */
  arrived: number;
  admitted: number;
  handled: number;
  /** Messages queued and not yet handled at the interval's end. */
  backlog: number;
  /** Messages taken and then dropped unhandled: no room in the queue, or they waited there too long. */
  dropped: number;
  /** Milliseconds of the event loop spent handling them (the budgets' time, a GC inside one included). */
  busyMs: number;
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

/** Intervals in the window that rates are taken over (~1 s), and that a queue must grow over to count as a trend. */
const WINDOW = 10;
/** Intervals over which a queue beyond `roomBelowMs` is worked off (~3 s): faster starves the detectors. */
const WORK_OFF = 30;
/**
 * The interval the rise is stated for. A longer one (the loop busy reading the sockets' backlog, the
 * share set every 200 ms or later) rises as much per millisecond, at most three steps at once: by
 * steps per call, the floor took 2 s to come back to everything once that backlog was read.
 */
const RISE_STEP_MS = 100;

/**
 * Decides which share of each device's telemetry the hub takes, from the queue of telemetry waiting to be
 * handled: the work queued says whether the loop keeps up, what it handled over the last second how much
 * it can take. When taken messages were dropped (no room, or they waited too long), when the queue is
 * past `shedAboveMs`, or when it stayed over `roomBelowMs` and kept growing for a whole second, the
 * share is cut to what can be handled (handled ÷ arrived over the last second) less enough to work the
 * queue off within a few seconds, never by more than half at a time. When the queue is under
 * `roomBelowMs` and not growing (or nearly empty), the share rises by a quarter per 100 ms: from the
 * floor back to everything within about a second of the load falling, however late the intervals
 * come. A queue that grew at once and is being worked off (reads piled up behind a GC pause) changes
 * nothing, at the edge of capacity too, where working it off takes seconds and its level wavers
 * meanwhile.
 */
export class KeepShare {
  /** Share of each device's telemetry taken now (1 = all). */
  keep = 1;
  private load = 1;
  /**
   * Milliseconds one message takes to handle, over the window: a GC pause inside one budget made a single
   * interval's cost four to ten times the usual, and the queue it priced then looked past `shedAboveMs`.
   */
  private costMs = 0.05;
  private readonly recent: AdmissionInterval[] = [];

  constructor(private readonly rules: KeepShareRules) {}

  next(interval: AdmissionInterval): number {
    const { floor, shedAboveMs, roomBelowMs, maxPerSecond } = this.rules;
    this.recent.push(interval);
    if (this.recent.length > WINDOW) this.recent.shift();
    const handled = sum(this.recent, 'handled');
    if (handled >= 16) this.costMs = sum(this.recent, 'busyMs') / handled;
    const costMs = this.costMs;
    const queuedMs = interval.backlog * costMs;
    // Over `roomBelowMs` for a whole window, grown over it and still rising: a trend. A stall leaves a queue
    // that stands and wavers for seconds at the edge of capacity; a few intervals of it looked like a trend,
    // and the cut (from a window that held the stall) shed a third of what the hub could have carried.
    const first = this.recent[0]!;
    const growing =
      this.recent.length === WINDOW &&
      this.recent.every((r) => r.backlog * costMs > roomBelowMs && r.backlog <= interval.backlog) &&
      interval.backlog > first.backlog * 1.1;
    if (interval.dropped > 0 || queuedMs > shedAboveMs || growing) {
      // Over the window: what was handled, less its share of working off the queue beyond `roomBelowMs`.
      const workOff = (Math.max(0, queuedMs - roomBelowMs) / costMs) * (this.recent.length / WORK_OFF);
      const fits = (handled - workOff) / Math.max(1, sum(this.recent, 'arrived'));
      this.load = Math.max(floor, this.load / 2, Math.min(this.load, fits));
    } else if (queuedMs <= roomBelowMs && (queuedMs <= roomBelowMs / 5 || !grewOver(this.recent))) {
      const steps = Math.min(3, interval.ms / RISE_STEP_MS);
      this.load = Math.min(1, this.load * 1.25 ** steps + 0.02 * steps);
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

function sum(intervals: AdmissionInterval[], key: 'arrived' | 'handled' | 'busyMs'): number {
  let total = 0;
  for (const interval of intervals) total += interval[key];
  return total;
}
