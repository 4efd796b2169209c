/**
 * A token bucket per device: at most `perSecond` messages on average, `burst` at once. One
 * misbehaving device (a door contact stuck in a loop) is cut back on its own, before the hub's
 * load shedding would have to shed everyone's telemetry. Kept in one typed array by device slot
 * (`LastHeard`): no lookup by id, nothing allocated, per message.
 */
export class DeviceRates {
  /** Per slot: tokens left, and when they were counted (0: never). */
  private buckets = new Float64Array(2 * 1024);

  constructor(
    private readonly rules: { perSecond: number; burst: number },
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Takes one token of the device's bucket; false when it has none left. */
  admit(slot: number): boolean {
    if (2 * slot >= this.buckets.length) this.grow(slot);
    const { burst, perSecond } = this.rules;
    const now = this.clock();
    const b = this.buckets;
    const at = b[2 * slot + 1]!;
    const tokens = at === 0 ? burst : Math.min(burst, b[2 * slot]! + ((now - at) / 1000) * perSecond);
    b[2 * slot + 1] = now;
    if (tokens < 1) {
      b[2 * slot] = tokens;
      return false;
    }
    b[2 * slot] = tokens - 1;
    return true;
  }

  private grow(slot: number): void {
    const grown = new Float64Array(Math.max(2 * (slot + 1), 2 * this.buckets.length));
    grown.set(this.buckets);
    this.buckets = grown;
  }
}
