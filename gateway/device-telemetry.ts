import type { Duplex } from 'node:stream';
import type { IntakeResult } from '../ingest/device-intake.js';
import type { TelemetryAdmission, TelemetryOrigin } from '../ingest/telemetry-admission.js';
import { rateLimitedTelemetry } from '../ingest/telemetry-admission.js';
import type { AuthenticatedDevice } from './device-authenticator.js';
import type { FrameTap } from './frame-splitter.js';

const PUBLISH = 3;

/** The broker's keepalive of one connection. */
export interface BrokerKeepAlive {
  refresh(): void;
  /** Its timeout in ms; null: the device asked for none; undefined: the CONNECT is not accepted yet. */
  timeoutMs(): number | null | undefined;
}

/**
 * One connection's telemetry, taken from its bytes before the broker sees them (`splitFrames`): a QoS 0
 * or 1 PUBLISH to the device's own `care/<id>/telemetry` goes to admission and never through aedes, so
 * that it costs nothing past counting when shed, and never holds up the events behind it. Anything else
 * (CONNECT, events, availability, pings, other topics, QoS 2) goes on to aedes, which decides as before.
 * QoS 1 telemetry is acknowledged here as it arrives, taken or shed (events are acknowledged by aedes
 * once stored); the acknowledgements of one read leave in one write.
 */
export class DeviceTelemetry implements TelemetryOrigin, FrameTap {
  private device: AuthenticatedDevice | undefined;
  private slot = 0;
  /**
   * The device's telemetry topic as bytes, one char each (latin1): a string keeps its chars in itself, so a
   * frame is compared with one load from memory where a Buffer takes two (the Buffer, then its bytes).
   */
  private topic = '';
  /** `deps.admission`, kept here: one load fewer on the read path, where this object is cold. */
  private readonly admission: TelemetryAdmission;
  private acks: number[] = [];
  private keptAliveAt = 0;
  /** How often taken telemetry refreshes the broker's keepalive (known once the connection is up). */
  private keepAliveEveryMs = 0;

  constructor(
    private readonly stream: Duplex,
    private readonly deps: {
      admission: TelemetryAdmission;
      /** Answers a refused message on the device's error topic. */
      reject: (deviceId: string, topic: string, result: IntakeResult & { ok: false }) => void;
      /** The broker's keepalive for this connection: telemetry taken here is the device speaking. */
      keepAlive: BrokerKeepAlive;
    },
  ) {
    this.admission = deps.admission;
  }

  /** From the device's authentication on: its telemetry is taken here. */
  authenticated(device: AuthenticatedDevice): void {
    this.device = device;
    this.slot = this.admission.slotOf(device);
    this.topic = Buffer.from(`care/${device.id}/telemetry`).toString('latin1');
  }

  /** Takes the device's own QoS 0/1 telemetry. */
  take(bytes: Buffer, start: number, body: number, end: number): boolean {
    const device = this.device;
    const flags = bytes[start]!;
    const qos = (flags >> 1) & 3;
    if (!device || flags >> 4 !== PUBLISH || qos > 1 || !this.isOwnTopic(bytes, body, end)) return false;
    let payload = body + 2 + this.topic.length;
    let token = 0;
    if (qos === 1) {
      if (payload + 2 > end) return false;
      token = bytes.readUInt16BE(payload);
      payload += 2;
    }
    const arrival = this.admission.arrive(this.slot);
    if (arrival === 'limited') this.settled(device, rateLimitedTelemetry);
    else if (arrival === 'take') this.admission.submit(device, bytes, payload, end, this);
    // Acknowledged as taken, queued or shed: a PUBACK held back until the queue reaches the message would
    // throttle a device by the queue (its window of unacknowledged messages), and say nothing more.
    if (token) this.ack(token);
    this.keepAlive();
    return true;
  }

  /**
   * Refreshes the broker's keepalive timer a sixth of its timeout at most (a device streaming once a second
   * with a 60-s keepalive: every 15 s, not every message): a device that stops streaming is then cut at the
   * latest 1.25 keepalives after its last packet, past the PINGREQ it owes at 1.
   */
  private keepAlive(): void {
    const now = performance.now();
    if (now - this.keptAliveAt < this.keepAliveEveryMs) return;
    this.keptAliveAt = now;
    const timeoutMs = this.deps.keepAlive.timeoutMs();
    if (timeoutMs === undefined)
      this.keepAliveEveryMs = 1000; // not connected yet: look again in a second
    else if (timeoutMs === null)
      this.keepAliveEveryMs = Number.POSITIVE_INFINITY; // no keepalive to keep
    else {
      this.keepAliveEveryMs = timeoutMs / 6;
      this.deps.keepAlive.refresh();
    }
  }

  settled(device: AuthenticatedDevice, result: IntakeResult): void {
    if (!result.ok) this.deps.reject(device.id, `care/${device.id}/telemetry`, result);
  }

  private isOwnTopic(bytes: Buffer, body: number, end: number): boolean {
    const topic = this.topic;
    if (body + 2 + topic.length > end || bytes.readUInt16BE(body) !== topic.length) return false;
    // From the end: `telemetry` first, then the device id, where topics differ.
    for (let i = topic.length - 1, j = body + 2 + i; i >= 0; i--, j--)
      if (bytes[j] !== topic.charCodeAt(i)) return false;
    return true;
  }

  private ack(token: number): void {
    if (this.acks.push(token) === 1) queueMicrotask(this.flushAcks);
  }

  /** The PUBACKs of this turn in one write (MQTT 3.1.1 §3.4: 0x40, 2, packet id). */
  private readonly flushAcks = (): void => {
    const acks = this.acks;
    this.acks = [];
    if (this.stream.destroyed || !this.stream.writable) return;
    const out = Buffer.allocUnsafe(4 * acks.length);
    for (let i = 0; i < acks.length; i++) {
      out[4 * i] = 0x40;
      out[4 * i + 1] = 2;
      out.writeUInt16BE(acks[i]!, 4 * i + 2);
    }
    this.stream.write(out);
  };
}
