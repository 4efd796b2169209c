/** UTC+8: the district's local time, for schedules and reports. */
export const LOCAL_OFFSET_MS = 8 * 3_600_000;

/**
 * The simulated clock: frozen at `simStart` until `start()`, then `speed` simulated
 * milliseconds per wall millisecond, frozen again by `freeze()`. It is a pure function of
 * wall time and three numbers, so a hub in another process computes the same time from
 * the same state (see `state()`).
 */
export class SimClock {
  private wallStart: number | null = null;
  private frozenAt: number | null = null;

  constructor(
    readonly simStart: number,
    readonly speed: number,
  ) {}

  static fromState(s: ClockState): SimClock {
    const clock = new SimClock(s.simStart, s.speed);
    clock.wallStart = s.wallStart;
    clock.frozenAt = s.frozenAt;
    return clock;
  }

  state(): ClockState {
    return { simStart: this.simStart, speed: this.speed, wallStart: this.wallStart, frozenAt: this.frozenAt };
  }

  apply(s: ClockState): void {
    this.wallStart = s.wallStart;
    this.frozenAt = s.frozenAt;
  }

  readonly now = (): number => {
    if (this.frozenAt !== null) return this.frozenAt;
    if (this.wallStart === null) return this.simStart;
    return this.simStart + (Date.now() - this.wallStart) * this.speed;
  };

  start(): void {
    this.wallStart = Date.now();
    this.frozenAt = null;
  }

  freeze(): void {
    this.frozenAt = this.now();
  }

  /** Wall milliseconds that `simMs` simulated milliseconds take. */
  toWall(simMs: number): number {
    return simMs / this.speed;
  }

  /** Minutes since local midnight (UTC+8) at simulated time `t`. */
  static localMinute(t: number): number {
    return ((((t + LOCAL_OFFSET_MS) % 86_400_000) + 86_400_000) % 86_400_000) / 60_000;
  }

  /** The epoch ms of local day `dayStart(t)` 00:00 (UTC+8). */
  static localDayStart(t: number): number {
    return t - SimClock.localMinute(t) * 60_000;
  }

  /** `HH:MM` local at simulated time `t`. */
  static format(t: number): string {
    const m = Math.floor(SimClock.localMinute(t));
    return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  }
}

export interface ClockState {
  simStart: number;
  speed: number;
  wallStart: number | null;
  frozenAt: number | null;
}
