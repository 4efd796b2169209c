import type { IntakeResult } from './device-intake.js';
import type { DeviceIdentity } from './readings.js';

/** Where a queued message came from, told its outcome once handled (the gateway answers and acknowledges). */
export interface TelemetryOrigin {
  settled(device: DeviceIdentity, result: IntakeResult): void;
}

/**
 * Telemetry waiting to be handled, first in first out, in memory allocated once: the payloads are copied
 * into one ring of bytes, their places into typed arrays. A queued message holds on to no read
 * buffer and is no object of its own, so queueing allocates nothing and promotes nothing to the old
 * generation (buffers kept past two scavenges were what set off a major GC every ~3 s under overload,
 * and a major GC holds the only core for ~400 ms).
 */
export class TelemetryQueue {
  private readonly bytes: Buffer;
  private readonly starts: Uint32Array;
  private readonly lengths: Uint32Array;
  private readonly devices: Array<DeviceIdentity | undefined>;
  private readonly origins: Array<TelemetryOrigin | undefined>;
  /** Message slots: the oldest, and how many are queued. */
  private head = 0;
  private count = 0;
  /** Bytes: where the next payload goes, and where the oldest queued payload starts. */
  private writeAt = 0;

  constructor(limits: { messages: number; bytes: number }) {
    this.bytes = Buffer.allocUnsafeSlow(limits.bytes);
    this.starts = new Uint32Array(limits.messages);
    this.lengths = new Uint32Array(limits.messages);
    this.devices = new Array(limits.messages).fill(undefined);
    this.origins = new Array(limits.messages).fill(undefined);
  }

  get length(): number {
    return this.count;
  }

  /** Queues a copy of `from[start, end)`; false when there is no room (the caller sheds it). */
  push(device: DeviceIdentity, from: Buffer, start: number, end: number, origin: TelemetryOrigin): boolean {
    const capacity = this.starts.length;
    if (this.count === capacity) return false;
    const length = end - start;
    // At least a byte each, so that a full ring (newest end = oldest start) is never taken for an empty one.
    const room = Math.max(1, length);
    const at = this.placeFor(room);
    if (at < 0) return false;
    from.copy(this.bytes, at, start, end);
    const slot = (this.head + this.count) % capacity;
    this.starts[slot] = at;
    this.lengths[slot] = length;
    this.devices[slot] = device;
    this.origins[slot] = origin;
    this.writeAt = at + room;
    this.count++;
    return true;
  }

  /**
   * Hands the oldest message to `handle` and drops it. Its payload is a view of the ring, valid only
   * during the call.
   */
  shift(handle: (device: DeviceIdentity, payload: Buffer, origin: TelemetryOrigin) => void): void {
    const slot = this.head;
    const device = this.devices[slot]!;
    const origin = this.origins[slot]!;
    const start = this.starts[slot]!;
    this.devices[slot] = undefined;
    this.origins[slot] = undefined;
    this.head = (slot + 1) % this.starts.length;
    this.count--;
    if (this.count === 0) this.writeAt = 0;
    handle(device, this.bytes.subarray(start, start + this.lengths[slot]!), origin);
  }

  /** Where `length` bytes fit after the newest payload, wrapping to the ring's start; -1 if they do not. */
  private placeFor(length: number): number {
    if (this.count === 0) return length <= this.bytes.length ? 0 : -1;
    const oldest = this.starts[this.head]!;
    if (this.writeAt > oldest) {
      // Not wrapped: free from the newest payload's end to the ring's end, then from 0 to the oldest.
      if (this.writeAt + length <= this.bytes.length) return this.writeAt;
      return length <= oldest ? 0 : -1;
    }
    // Wrapped: free only between the newest payload's end and the oldest payload.
    return this.writeAt + length <= oldest ? this.writeAt : -1;
  }
}
