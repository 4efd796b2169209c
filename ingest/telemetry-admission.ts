import { type IntakeResult, rateLimited } from './device-intake.js';
import type { DeviceRates } from './device-rates.js';
import { type AdmissionInterval, KeepShare, type KeepShareRules } from './keep-share.js';
import type { LastHeard } from './last-heard.js';
import type { DeviceIdentity } from './readings.js';
import { type TelemetryOrigin, TelemetryQueue } from './telemetry-queue.js';

/** What becomes of an arriving telemetry message: queued to be handled, shed, or over its device's own rate. */
export type Arrival = 'take' | 'shed' | 'limited';

export type { TelemetryOrigin };

/**
 * Telemetry between the socket and the readings: each message is counted and its device marked heard the
 * moment it arrives, then either queued or shed (nothing else: no parse, no allocation, no publish), and
 * the queue is handled a time budget at a time, one budget per turn of the event loop (and a small slice
 * now and then during a long read of the sockets). Between two budgets the loop reads its sockets, and
 * events, which never enter this queue, are stored and acknowledged then: an SOS waits for at most one
 * budget of telemetry, whatever the load, and for the sockets read before its own.
 *
 * Shedding is per device (a credit per device slot), so every device keeps the same share of its stream;
 * `KeepShare` sets that share from the queue every `intervalMs`.
 */
export class TelemetryAdmission {
  /** Counted here, as plain numbers on the hot path; the metrics read them when scraped. */
  arrived = 0;
  shed = 0;
  /**
   * Per device slot, how far it is towards its next message taken. Each starts at its own phase (spread
   * by the golden ratio), so that at any share the devices taking a message now are that share of them,
   * not all at once after every device has saved up from 0 (which left seconds with nothing taken).
   */
  private credit = spreadPhases(new Float32Array(1024), 0);
  private readonly queue: TelemetryQueue;
  private readonly share: KeepShare;
  private keep = 1;
  private pinned: number | undefined;
  private draining = false;
  /** When the last budget of the queue began (monotonic ms). */
  private sliceAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private window = { startedAt: 0, arrived: 0, admitted: 0, handled: 0, dropped: 0, busyMs: 0 };
  /** Messages ever queued and ever taken out of the queue (handled or dropped): a message's place in line. */
  private queuedTotal = 0;
  private dequeuedTotal = 0;
  /** At each interval's end, how many had been queued by then: whatever came before a mark is as old as it. */
  private marks: { at: number; queued: number }[] = [];

  constructor(
    private readonly deps: {
      heard: LastHeard;
      /** One device's own limit: beyond it, refused and answered, before it takes anyone's share. */
      rates: DeviceRates;
      /** Validates a message and passes it on. */
      handle: (device: DeviceIdentity, payload: Buffer) => IntakeResult;
      rules: KeepShareRules;
      /** Milliseconds of telemetry handled per turn of the event loop at most. */
      budgetMs: number;
      intervalMs: number;
      /** Messages and payload bytes queued at most (a backstop: the keep share holds the queue far below). */
      maxQueued: { messages: number; bytes: number };
      /** A message queued longer than this is dropped unhandled: fresh telemetry is worth more than stale. */
      staleAfterMs: number;
      /** The hub's clock (last heard), and a monotonic one in ms (budgets). */
      now: () => number;
      clock: () => number;
      /** Reports the shed share after each interval (a metrics gauge). */
      shareGauge?: (share: number) => void;
    },
  ) {
    this.share = new KeepShare(deps.rules);
    this.queue = new TelemetryQueue(deps.maxQueued);
    this.window.startedAt = deps.clock();
  }

  start(): void {
    this.timer = setInterval(() => this.adjust(), this.deps.intervalMs);
    this.timer.unref();
  }

  /** After the gateway has stopped reading: what is queued is handled now, nothing taken is lost. */
  stop(): void {
    clearInterval(this.timer);
    while (this.queue.length > 0) this.handleNext();
  }

  /** The device's slot, asked once per connection. */
  slotOf(device: DeviceIdentity): number {
    return this.deps.heard.slotOf(device);
  }

  /** Share of each device's telemetry taken now (1 = all). */
  get keepShare(): number {
    return this.keep;
  }

  /** Holds the share where a test puts it (undefined: back to the measured share). */
  pin(keep: number | undefined): void {
    this.pinned = keep;
    if (keep !== undefined) this.keep = keep;
  }

  /** Messages queued, not yet handled. */
  get backlog(): number {
    return this.queue.length;
  }

  /** Called for every telemetry message as it is read, before anything else is done with it. */
  arrive(slot: number): Arrival {
    this.arrived++;
    this.window.arrived++;
    if ((this.arrived & CLOCK_EVERY_MASK) === 0) this.catchUp();
    this.deps.heard.heard(slot, this.deps.now());
    if (!this.deps.rates.admit(slot)) return 'limited';
    const keep = this.keep;
    if (keep >= 1) return 'take';
    if (slot >= this.credit.length) this.grow(slot);
    const credit = this.credit[slot]! + keep;
    if (credit >= 1) {
      this.credit[slot] = credit - 1;
      return 'take';
    }
    this.credit[slot] = credit;
    return this.shedOne();
  }

  /**
   * Queues a copy of the payload of a message `arrive` took, `bytes[start, end)` of what was read; it is
   * handled within a turn or a few. False if the queue was full: then it is shed after all.
   */
  submit(
    device: DeviceIdentity,
    bytes: Buffer,
    start: number,
    end: number,
    origin: TelemetryOrigin,
  ): boolean {
    if (!this.queue.push(device, bytes, start, end, origin)) {
      this.dropOne();
      return false;
    }
    this.queuedTotal++;
    this.window.admitted++;
    if (!this.draining) {
      this.draining = true;
      setImmediate(this.drain);
    }
    return true;
  }

  /** A message that came by another path (the broker's own): admitted and handled at once. */
  handleNow(device: DeviceIdentity, payload: Buffer): IntakeResult {
    const arrival = this.arrive(this.slotOf(device));
    if (arrival === 'limited') return rateLimitedTelemetry;
    if (arrival === 'shed') return { ok: true };
    this.window.admitted++;
    this.window.handled++;
    return this.deps.handle(device, payload);
  }

  /** One budget of the queue, then the loop goes round (sockets, events) before the next. */
  private readonly drain = (): void => {
    this.slice(this.deps.budgetMs);
    if (this.queue.length === 0) this.draining = false;
    else setImmediate(this.drain);
  };

  /** Handles queued messages for at most `budgetMs`. */
  private slice(budgetMs: number): void {
    const { clock } = this.deps;
    const started = clock();
    this.sliceAt = started;
    this.dropStale(started);
    let handled = 0;
    let now = started;
    while (this.queue.length > 0 && now - started < budgetMs) {
      this.handleNext();
      handled++;
      now = clock();
    }
    this.window.handled += handled;
    this.window.busyMs += now - started;
  }

  /**
   * From the read path, every few messages. libuv reads up to 48 × 1,024 ready sockets before it lets the
   * loop go on (~0.7 s with 15,000 busy watches): neither the queue (one budget per turn) nor the keep
   * share's timer may wait for that. Reading keeps the larger part, though: an event is found only by
   * reading, so the queue gets a tenth of a long read (2 ms every 20 ms), and sheds what does not fit.
   */
  private catchUp(): void {
    const now = this.deps.clock();
    if (now - this.window.startedAt >= 2 * this.deps.intervalMs) this.adjust();
    if (this.queue.length > 0 && now - this.sliceAt >= READ_SLICE_EVERY_MS) this.slice(READ_SLICE_MS);
  }

  private handleNext(): void {
    this.dequeuedTotal++;
    this.queue.shift(this.settle);
  }

  /**
   * Drops what was queued before the newest mark older than `staleAfterMs` (100 ms granular). After an
   * overload the queue held ~25,000 messages that the hub, still reading the sockets' backlog, worked off
   * for seconds while it took 5 % of the fresh ones: they are shed, counted as such.
   */
  private dropStale(now: number): void {
    const before = now - this.deps.staleAfterMs;
    this.pruneMarks(before);
    const mark = this.marks[0];
    if (mark === undefined || mark.at > before) return;
    while (this.dequeuedTotal < mark.queued && this.queue.length > 0) {
      this.dequeuedTotal++;
      this.queue.shift(discard);
      this.dropOne();
    }
  }

  /** Keeps the newest mark older than `before`, and those after it (a dozen at most). */
  private pruneMarks(before: number): void {
    const marks = this.marks;
    while (marks.length > 1 && marks[1]!.at <= before) marks.shift();
  }

  private readonly settle = (device: DeviceIdentity, payload: Buffer, origin: TelemetryOrigin) => {
    origin.settled(device, this.deps.handle(device, payload));
  };

  /** Every `intervalMs`: the share for the next interval, from what this one measured. */
  adjust(): void {
    const at = this.deps.clock();
    const w = this.window;
    const interval: AdmissionInterval = {
      ms: at - w.startedAt,
      arrived: w.arrived,
      admitted: w.admitted,
      handled: w.handled,
      backlog: this.backlog,
      dropped: w.dropped,
      busyMs: w.busyMs,
    };
    this.window = { startedAt: at, arrived: 0, admitted: 0, handled: 0, dropped: 0, busyMs: 0 };
    this.marks.push({ at, queued: this.queuedTotal });
    this.pruneMarks(at - this.deps.staleAfterMs);
    const keep = this.share.next(interval);
    if (this.pinned === undefined) this.keep = keep;
    this.deps.shareGauge?.(1 - this.keep);
  }

  /** A message taken, then dropped unhandled (no room, or stale): shed, and the keep share told. */
  private dropOne(): void {
    this.window.dropped++;
    this.shedOne();
  }

  private shedOne(): Arrival {
    this.shed++;
    return 'shed';
  }

  private grow(slot: number): void {
    const grown = new Float32Array(Math.max(slot + 1, this.credit.length * 2));
    grown.set(this.credit);
    this.credit = spreadPhases(grown, this.credit.length);
  }
}

const discard = () => {};

function spreadPhases(credit: Float32Array, from: number): Float32Array {
  for (let slot = from; slot < credit.length; slot++) credit[slot] = (slot * 0.618_033_988_75) % 1;
  return credit;
}

/** The clock is read on the message path every 16 messages (`arrived & 15`). */
const CLOCK_EVERY_MASK = 15;
/** During a long read of the sockets: a slice of the queue this long, this often. */
const READ_SLICE_MS = 2;
const READ_SLICE_EVERY_MS = 20;

/** The answer to a message over its device's own rate. */
export const rateLimitedTelemetry = rateLimited('telemetry');
