import { describe, expect, it } from 'vitest';
import { loadDeviceCatalog } from '../devices/catalog.js';
import { Channel } from '../kernel/channel.js';
import { DeviceIntake } from './device-intake.js';
import { DeviceRates } from './device-rates.js';
import type { EventLog, StoredEvent } from './event-log.js';
import { LastHeard } from './last-heard.js';
import { type EventReading, ReadingValidator } from './readings.js';

/** An event log whose writes finish when the test says, in any order (as a connection pool's may). */
class PooledWrites {
  readonly pending = new Map<string, () => void>();
  record(event: EventReading): Promise<Pick<StoredEvent, 'type'>> {
    return new Promise((resolve) =>
      this.pending.set(event.eventId, () => resolve({ type: event.eventType })),
    );
  }
  finish(eventId: string): void {
    this.pending.get(eventId)!();
  }
}

describe('device intake', () => {
  it('[EVENT-ORDER] two events of one device read together are passed on in arrival order, whichever write finishes first', async () => {
    const catalog = await loadDeviceCatalog();
    const fail = (error: unknown) => {
      throw error;
    };
    const events = new Channel<StoredEvent>(fail);
    const passedOn: string[] = [];
    events.subscribe((e) => {
      passedOn.push(e.type);
    });
    const writes = new PooledWrites();
    const intake = new DeviceIntake({
      validator: new ReadingValidator({ catalog, maxPayloadBytes: 65_536, now: Date.now }),
      catalog,
      eventLog: writes as unknown as EventLog,
      readings: new Channel(fail),
      events,
      availability: new Channel(fail),
      rates: { events: new DeviceRates({ perSecond: 10, burst: 30 }) },
      heard: new LastHeard(),
      counters: { clockSkewed: () => undefined, eventStored: () => undefined },
      now: Date.now,
    });
    const watch = { id: 'w-0001', type: 'watch', elderId: 'e-0001' };
    const send = (eventId: string, type: string) =>
      intake.event(watch, Buffer.from(JSON.stringify({ ts: Date.now(), event_id: eventId, type })));
    const fall = send('1', 'fall');
    const ok = send('2', 'ok');
    writes.finish('2'); // the "I'm OK" is stored first
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(passedOn).toEqual([]); // and waits for the fall
    writes.finish('1');
    expect(await Promise.all([fall, ok])).toEqual([{ ok: true }, { ok: true }]);
    expect(passedOn).toEqual(['fall', 'ok']);
  });
});
