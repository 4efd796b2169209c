/**
 * A token bucket per device: at most `perSecond` messages on average, `burst` at once. One
 * misbehaving device (a door contact stuck in a loop) is cut back on its own, before the hub's
 * load shedder would have to shed everyone's telemetry. One small typed array per device.
 */
export class DeviceRates {
  private readonly buckets = new Map<string, Float64Array>();

  constructor(
    private readonly rules: { perSecond: number; burst: number },
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Takes one token of the device's bucket; false when it has none left. */
  admit(deviceId: string): boolean {
    const now = this.clock();
    let bucket = this.buckets.get(deviceId);
    if (!bucket) {
      bucket = Float64Array.of(this.rules.burst, now);
      this.buckets.set(deviceId, bucket);
    }
    const tokens = Math.min(
      this.rules.burst,
      bucket[0]! + ((now - bucket[1]!) / 1000) * this.rules.perSecond,
    );
    bucket[1] = now;
    if (tokens < 1) {
      bucket[0] = tokens;
      return false;
    }
    bucket[0] = tokens - 1;
    return true;
  }

  forget(deviceId: string): void {
    this.buckets.delete(deviceId);
  }
}
