import type { DeviceCatalog } from '../devices/catalog.js';
import type { Channel } from '../kernel/channel.js';
import type { DeviceRates } from './device-rates.js';
import type { EventLog, StoredEvent } from './event-log.js';
import type { LastHeard } from './last-heard.js';
import type { DeviceIdentity, Reading, ReadingValidator, Rejection } from './readings.js';

export type { DeviceIdentity };

export interface AvailabilityChange {
  deviceId: string;
  deviceType: string;
  state: 'online' | 'offline';
  at: number;
}

export type IntakeResult = { ok: true } | ({ ok: false } & Rejection);

/**
 * Where device messages enter the hub. It decides what a message is (the
 * gateway has already decided who may send it): validated telemetry goes on to
 * `readings`, events are stored first and then go on to `events`.
 */
export class DeviceIntake {
  constructor(
    private readonly deps: {
      validator: ReadingValidator;
      /** Which events are calls for help (never refused by the rate limit). */
      catalog: DeviceCatalog;
      eventLog: EventLog;
      readings: Channel<Reading>;
      events: Channel<StoredEvent>;
      availability: Channel<AvailabilityChange>;
      /** Per device: events beyond a device's own rate are dropped and answered (telemetry's is admission's). */
      rates: { events: DeviceRates };
      /** Device slots (the rates are kept by slot). */
      heard: LastHeard;
      /** Counts which device clocks are off and which events were stored. */
      counters: { clockSkewed: () => void; eventStored: (type: string) => void };
      now: () => number;
    },
  ) {}

  /**
   * Per device, the hand-over of its latest event. Events read together are stored at once, and on a
   * pool (PostgreSQL) their writes can finish in any order: each is passed on only after the one
   * before it, so that an "I'm OK" never overtakes the fall it cancels.
   */
  private readonly handOvers = new Map<string, Promise<unknown>>();

  /**
   * Validates a telemetry message and passes it on. Whether it is handled at all (load shedding, the
   * device's own rate) was decided when it arrived (`TelemetryAdmission`).
   */
  telemetry(device: DeviceIdentity, payload: Buffer): IntakeResult {
    const result = this.deps.validator.telemetry(device, payload);
    if (!result.ok) return result;
    if (result.reading.clockSkewed) this.deps.counters.clockSkewed();
    this.deps.readings.publish(result.reading);
    return { ok: true };
  }

  /** Resolves once the event is durably stored: only then may the device be acknowledged. */
  async event(device: DeviceIdentity, payload: Buffer): Promise<IntakeResult> {
    const result = this.deps.validator.event(device, payload);
    if (!result.ok) return result;
    // Each event is a synchronous durable write: one device may not take the store for itself. A
    // call for help is always taken (it still spends a token: a flood of them slows the rest).
    const admitted = this.deps.rates.events.admit(this.deps.heard.slotOf(device));
    if (!admitted && !this.deps.catalog.get(device.type)?.events[result.reading.eventType]?.alarm) {
      return rateLimited('events');
    }
    if (result.reading.clockSkewed) this.deps.counters.clockSkewed();
    const stored = this.deps.eventLog.record(result.reading);
    const before = this.handOvers.get(device.id);
    const handedOver = (async () => {
      const event = await stored;
      if (before) await before.catch(() => undefined); // not stored: it comes again, later
      // A redelivery (same event_id) is acknowledged again but goes no further.
      if (!event) return;
      this.deps.counters.eventStored(event.type);
      this.deps.events.publish(event);
    })();
    this.handOvers.set(device.id, handedOver);
    const forget = () => {
      if (this.handOvers.get(device.id) === handedOver) this.handOvers.delete(device.id);
    };
    handedOver.then(forget, forget);
    await handedOver;
    return { ok: true };
  }

  availability(device: DeviceIdentity, payload: Buffer): IntakeResult {
    // Checked as every topic is: `null` or an array was once answered malformed_json (fuzzing).
    const object = this.deps.validator.object(payload);
    if (!object.ok) return object;
    const state = object.data.state;
    if (state !== 'online' && state !== 'offline') {
      return {
        ok: false,
        error: 'invalid',
        detail: [{ path: 'state', message: 'must be "online" or "offline"' }],
      };
    }
    this.deps.availability.publish({
      deviceId: device.id,
      deviceType: device.type,
      state,
      at: this.deps.now(),
    });
    return { ok: true };
  }
}

export function rateLimited(what: 'telemetry' | 'events'): IntakeResult {
  return { ok: false, error: 'rate_limited', detail: `too many ${what} from this device: slow down` };
}
