import type { Measurements } from '../devices/capabilities.js';
import type { DeviceCatalog, DeviceType } from '../devices/catalog.js';

/** A device's clock more than this far from the hub's is not trusted: the hub time is used. */
export const clockSkewLimitMs = 5 * 60_000;

/** Who sent a message, as the gateway authenticated it. */
export interface DeviceIdentity {
  id: string;
  type: string;
  elderId: string | null;
}

export interface Reading {
  deviceId: string;
  deviceType: string;
  elderId: string | null;
  /** Device time, or the hub's receive time when the device clock is off. */
  ts: number;
  receivedAt: number;
  clockSkewed: boolean;
  /** What the device measured, by capability (its type's telemetry schema has validated it). */
  data: Measurements & { ts: number };
}

export interface EventReading extends Omit<Reading, 'data'> {
  eventId: string;
  eventType: string;
  /** The event's payload as validated (`ts`, `event_id`, `type`, its own fields). */
  data: Record<string, unknown>;
  /** What the event says about a measurement (a door's `open`: contact open), from the catalog. */
  measured: Measurements | undefined;
}

export type Rejection = {
  error: 'too_large' | 'malformed_json' | 'not_an_object' | 'invalid' | 'unknown_topic' | 'rate_limited';
  detail: unknown;
};
export type Validated<T> = { ok: true; reading: T } | ({ ok: false } & Rejection);

/**
 * Turns a device's raw payload into a typed reading, or says exactly why not.
 * The gateway answers a rejection on the device's error topic.
 */
export class ReadingValidator {
  constructor(
    private readonly deps: { catalog: DeviceCatalog; maxPayloadBytes: number; now: () => number },
  ) {}

  telemetry(device: DeviceIdentity, payload: Buffer): Validated<Reading> {
    const type = this.deps.catalog.get(device.type);
    if (!type) return { ok: false, error: 'invalid', detail: `unknown device type ${device.type}` };
    const parsed = this.parse(payload, type, 'telemetry');
    if (!parsed.ok) return parsed;
    return { ok: true, reading: this.reading(device, parsed.data as Measurements & { ts: number }) };
  }

  event(device: DeviceIdentity, payload: Buffer): Validated<EventReading> {
    const type = this.deps.catalog.get(device.type);
    if (!type) return { ok: false, error: 'invalid', detail: `unknown device type ${device.type}` };
    const parsed = this.parse(payload, type, 'event');
    if (!parsed.ok) return parsed;
    const reading = this.reading(device, parsed.data as Measurements & { ts: number });
    const eventType = String(parsed.data.type);
    return {
      ok: true,
      reading: {
        ...reading,
        data: parsed.data,
        eventId: String(parsed.data.event_id),
        eventType,
        measured: type.events[eventType]?.sets,
      },
    };
  }

  private parse(
    payload: Buffer,
    type: DeviceType,
    kind: 'telemetry' | 'event',
  ): { ok: true; data: Record<string, unknown> } | ({ ok: false } & Rejection) {
    const object = this.object(payload);
    if (!object.ok) return object;
    const result = type[kind].safeParse(object.data);
    if (!result.success) {
      return {
        ok: false,
        error: 'invalid',
        detail: result.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message })),
      };
    }
    return { ok: true, data: result.data as Record<string, unknown> };
  }

  /** The first check of every device topic (availability too): a JSON object of allowed size. */
  object(payload: Buffer): { ok: true; data: Record<string, unknown> } | ({ ok: false } & Rejection) {
    if (payload.length > this.deps.maxPayloadBytes) {
      return {
        ok: false,
        error: 'too_large',
        detail: { bytes: payload.length, limit: this.deps.maxPayloadBytes },
      };
    }
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch (error) {
      return { ok: false, error: 'malformed_json', detail: (error as Error).message };
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      return { ok: false, error: 'not_an_object', detail: 'the payload must be a JSON object' };
    }
    return { ok: true, data: json as Record<string, unknown> };
  }

  private reading(device: DeviceIdentity, data: Measurements & { ts: number }): Reading {
    const receivedAt = this.deps.now();
    const deviceTs = data.ts;
    const clockSkewed = Math.abs(deviceTs - receivedAt) > clockSkewLimitMs;
    return {
      deviceId: device.id,
      deviceType: device.type,
      elderId: device.elderId,
      ts: clockSkewed ? receivedAt : deviceTs,
      receivedAt,
      clockSkewed,
      data,
    };
  }
}
